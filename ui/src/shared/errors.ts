// The resident-facing message for a failure: chosen by code, never by the message text.
import type { ErrorCode } from '../generated/wire';
import { asBackendError } from '../backend';
import { i18n } from '../i18n';

export function errorCode(err: unknown): ErrorCode {
  return asBackendError(err).code;
}

export function errorText(code: ErrorCode | string): string {
  const key = `errors.${code}`;
  return i18n.global.te(key) ? i18n.global.t(key) : i18n.global.t('errors.unknown');
}
