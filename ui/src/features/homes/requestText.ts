// How a home request reads: its place, and the i18n key of where it stands (pending for whom,
// approved, refused, cancelled). The state and decider are the backend's; this only names them.
import type { HomeRequest } from '../../generated/wire';
import { unitLabel } from '../../shared/format';

export function requestPlace(request: HomeRequest): string {
  return `${request.community.name} ${unitLabel(request.unit)}`;
}

export function stateKey(request: HomeRequest): string {
  if (request.state === 'pending') return request.waits_for === 'owner' ? 'homes.state.pendingOwner' : 'homes.state.pendingDesk';
  return `homes.state.${request.state}`;
}
