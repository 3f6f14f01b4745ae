// Who is signed in, which household is shown, the language, and connectivity. Mirrors the
// core's SessionView and SyncStatus; core events keep it current.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { Action, AccountView, BackendView, CoreEvent, ErrorCode, InvitationId, Locale, Membership, MembershipId } from '../../generated/wire';
import type { Backend } from '../../backend';
import { applyLocale } from '../../i18n';

export const useSession = defineStore('session', () => {
  const account = ref<AccountView | null>(null);
  const locale = ref<Locale>('zh-CN');
  const endedBecause = ref<ErrorCode | null>(null);
  /** The backend the app talks to; null until the resident joins a community (加入小区). */
  const backendView = ref<BackendView | null>(null);
  const backendUrl = computed(() => backendView.value?.url ?? '');
  const online = ref(true);
  const outboxPending = ref(0);
  const notifications = ref(true);
  /** 长辈模式 (this device's setting, kept by the core) and whether its offer was answered. */
  const elderly = ref(false);
  const elderlyOffered = ref(false);
  const ready = ref(false);

  const current = computed<Membership | null>(() => {
    const a = account.value;
    if (!a) return null;
    return a.memberships.find((m) => m.id === a.current_membership_id) ?? null;
  });
  /** Whether the backend lets the resident take `action` in the home shown (its `allowed`). */
  function may(action: Action): boolean {
    return current.value?.allowed.includes(action) ?? false;
  }
  const activeHouseholds = computed(() => account.value?.memberships.filter((m) => m.state === 'active') ?? []);

  async function load(backend: Backend): Promise<void> {
    const session = await backend.session();
    account.value = session.account;
    locale.value = session.locale;
    endedBecause.value = session.ended_because;
    backendView.value = session.backend;
    notifications.value = session.notifications;
    elderly.value = session.elderly_mode;
    elderlyOffered.value = session.elderly_offered;
    applyLocale(session.locale);
    await refreshStatus(backend);
    ready.value = true;
  }

  /** Re-reads connectivity and the outbox (events keep them current afterwards). */
  async function refreshStatus(backend: Backend): Promise<void> {
    try {
      const status = await backend.syncStatus();
      online.value = status.online;
      outboxPending.value = status.outbox_pending;
    } catch {
      // Status is decoration; the events will correct it.
    }
  }

  async function signIn(backend: Backend, phone: string, password: string): Promise<void> {
    account.value = await backend.signIn(phone, password);
    endedBecause.value = null;
    online.value = true;
  }

  async function signInWithCode(backend: Backend, phone: string, code: string): Promise<void> {
    account.value = await backend.signInWithCode(phone, code);
    endedBecause.value = null;
    online.value = true;
  }

  async function signOut(backend: Backend): Promise<void> {
    await backend.signOut();
    account.value = null;
    endedBecause.value = null;
    // Whether the resident may now switch community is the core's to say.
    backendView.value = (await backend.session()).backend;
  }

  /** Joins the community of a join link; the session then names its backend. */
  async function join(backend: Backend, link: string): Promise<void> {
    await backend.join(link);
    backendView.value = (await backend.session()).backend;
  }

  /** Forgets the backend (signed out), to join another community. */
  async function leaveBackend(backend: Backend): Promise<void> {
    await backend.leaveBackend();
    backendView.value = (await backend.session()).backend;
  }

  async function leaveHousehold(backend: Backend, id: MembershipId): Promise<void> {
    account.value = await backend.leaveHousehold(id);
  }

  async function acceptInvitation(backend: Backend, id: InvitationId): Promise<void> {
    account.value = await backend.acceptInvitation(id);
  }

  async function switchHousehold(backend: Backend, id: MembershipId): Promise<void> {
    account.value = await backend.switchHousehold(id);
  }

  async function setNotifications(backend: Backend, on: boolean): Promise<void> {
    notifications.value = on;
    try {
      await backend.setNotifications(on);
    } catch (err) {
      notifications.value = !on;
      throw err;
    }
  }

  /** Turns 长辈模式 on or off; either answers the one-time offer for good. */
  async function setElderly(backend: Backend, on: boolean): Promise<void> {
    const before = { on: elderly.value, offered: elderlyOffered.value };
    elderly.value = on;
    elderlyOffered.value = true;
    try {
      await backend.setElderlyMode(on);
    } catch (err) {
      elderly.value = before.on;
      elderlyOffered.value = before.offered;
      throw err;
    }
  }

  async function setLocale(backend: Backend, next: Locale): Promise<void> {
    locale.value = next;
    applyLocale(next);
    await backend.setLocale(next);
  }

  /** Applies a core event; returns true when the session ended. */
  function onEvent(event: CoreEvent): boolean {
    switch (event.type) {
      case 'connectivity':
        online.value = event.online;
        return false;
      case 'outbox':
        outboxPending.value = event.pending;
        return false;
      case 'session-ended':
        account.value = null;
        endedBecause.value = event.code;
        return true;
      case 'data-changed':
      // Shown by the shell as a desktop notification; the screens reload on data-changed.
      case 'notification':
        return false;
    }
  }

  return {
    may,
    account,
    locale,
    endedBecause,
    backendView,
    backendUrl,
    join,
    leaveBackend,
    online,
    outboxPending,
    ready,
    current,
    activeHouseholds,
    load,
    refreshStatus,
    signIn,
    signInWithCode,
    signOut,
    switchHousehold,
    leaveHousehold,
    acceptInvitation,
    setLocale,
    notifications,
    setNotifications,
    elderly,
    elderlyOffered,
    setElderly,
    onEvent,
  };
});
