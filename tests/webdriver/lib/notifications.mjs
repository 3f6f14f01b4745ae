// A desktop notification service for the window tests: it owns org.freedesktop.Notifications on
// the test's session bus (the one `dbus-run-session` made) and records every notification the
// app asks for, as a real notification daemon would receive it (Desktop Notifications spec 1.2).
// The app cannot tell it from GNOME's or dunst's; the test reads `shown`.

import dbus from 'dbus-next';

const { Interface } = dbus.interface;

class NotificationService extends Interface {
  constructor() {
    super('org.freedesktop.Notifications');
    /** Every Notify call: { app, summary, body }. */
    this.shown = [];
    this.next = 1;
  }
  GetCapabilities() {
    return ['body'];
  }
  Notify(appName, _replacesId, _icon, summary, body) {
    this.shown.push({ app: appName, summary, body });
    return this.next++;
  }
  CloseNotification() {}
  GetServerInformation() {
    return ['linli-test-notifications', 'linli', '1.0', '1.2'];
  }
}

NotificationService.configureMembers({
  methods: {
    GetCapabilities: { inSignature: '', outSignature: 'as' },
    Notify: { inSignature: 'susssasa{sv}i', outSignature: 'u' },
    CloseNotification: { inSignature: 'u', outSignature: '' },
    GetServerInformation: { inSignature: '', outSignature: 'ssss' },
  },
});

/** Starts the service on the session bus; `stop()` releases it. */
export async function startNotificationService() {
  const bus = dbus.sessionBus();
  const service = new NotificationService();
  await bus.requestName('org.freedesktop.Notifications', dbus.NameFlag.DO_NOT_QUEUE);
  bus.export('/org/freedesktop/Notifications', service);
  return {
    shown: service.shown,
    stop: () => bus.disconnect(),
  };
}
