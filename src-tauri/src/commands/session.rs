//! Commands of the session: who is signed in, signing in and out, the household shown, and
//! this device's settings (language, notifications, 长辈模式).

use linli_core::Core;
use linli_wire::invitations::{CreateInvitation, Invitation};
use linli_wire::{InvitationId, MembershipId};
use linli_wire::auth::SmsCodeSent;
use linli_wire::ipc::{AccountView, Locale, SessionView};
use linli_wire::me::HomeMember;
use tauri::State;

commands! {
    /// Who is signed in (from local state; works offline).
    fn session(core: State<'_, Core>) -> SessionView {
        core.session().await
    }

    /// Signs in with phone number and password; tokens go to the OS keyring.
    fn sign_in(core: State<'_, Core>, phone: String, password: String) -> AccountView {
        core.sign_in(&phone, &password).await
    }

    /// Asks the backend to send a sign-in code to this phone (any phone: a new one registers).
    fn request_sign_in_code(core: State<'_, Core>, phone: String) -> SmsCodeSent {
        core.request_sign_in_code(&phone).await
    }

    /// Signs in with the phone and the code it received; tokens go to the OS keyring. A new
    /// phone gets an account with no home yet.
    fn sign_in_with_code(core: State<'_, Core>, phone: String, code: String) -> AccountView {
        core.sign_in_with_code(&phone, &code).await
    }

    /// Signs out: tokens leave the keyring and the account's cache is deleted.
    fn sign_out(core: State<'_, Core>) -> () {
        core.sign_out().await
    }

    /// Shows another of the resident's households.
    fn switch_household(core: State<'_, Core>, id: MembershipId) -> AccountView {
        core.switch_household(id).await
    }

    /// Leaves a home (moving out; needs the network): its passes are revoked and its data
    /// leaves this device at the sync that follows.
    fn leave_household(core: State<'_, Core>, id: MembershipId) -> AccountView {
        core.leave_household(id).await
    }

    /// Invites someone into the home of `membership` by phone (the resident is its owner).
    fn invite(core: State<'_, Core>, membership: MembershipId, input: CreateInvitation) -> Invitation {
        core.invite(membership, input).await
    }

    /// The pending invitations addressed to the resident's number (needs the network).
    fn invitations(core: State<'_, Core>) -> Vec<Invitation> {
        core.invitations().await
    }

    /// Accepts an invitation; the new home is shown.
    fn accept_invitation(core: State<'_, Core>, id: InvitationId) -> AccountView {
        core.accept_invitation(id).await
    }

    /// Declines an invitation.
    fn decline_invitation(core: State<'_, Core>, id: InvitationId) -> () {
        core.decline_invitation(id).await
    }

    /// The active members of the home of `membership` (needs the network).
    fn home_members(core: State<'_, Core>, membership: MembershipId) -> Vec<HomeMember> {
        core.home_members(membership).await
    }

    /// Removes a family member or tenant from the home (the resident is its owner); answers
    /// the members afterwards.
    fn remove_member(core: State<'_, Core>, membership: MembershipId, member: MembershipId) -> Vec<HomeMember> {
        core.remove_member(membership, member).await
    }

    /// Remembers the UI language.
    fn set_locale(core: State<'_, Core>, locale: Locale) -> () {
        core.set_locale(locale).await
    }

    /// Turns desktop notifications of ticket progress on or off (this device).
    fn set_notifications(core: State<'_, Core>, on: bool) -> () {
        core.set_notifications(on).await
    }

    /// Turns 长辈模式 (elderly mode) on or off on this device; either answers its one-time offer.
    fn set_elderly_mode(core: State<'_, Core>, on: bool) -> () {
        core.set_elderly_mode(on).await
    }
}
