// The resident-facing message for a failure: chosen by code, never by the message text.
import type { ErrorCode } from '../generated/wire';
import { asBackendError } from '../backend';
import { i18n } from '../i18n';

export function errorCode(err: unknown): ErrorCode {
  return asBackendError(err).code;
}

/** The text for `code`; `subject` fills the `{subject}` a code's text names (a photo's format). */
export function errorText(code: ErrorCode | string, subject?: string): string {
  const key = `errors.${code}`;
  return i18n.global.te(key) ? i18n.global.t(key, { subject: subject ?? '' }) : i18n.global.t('errors.unknown');
}

/** The resident-facing text for any thrown value, with what its code names. */
export function failureText(err: unknown): string {
  const failure = asBackendError(err);
  return errorText(failure.code, failure.subject);
}
