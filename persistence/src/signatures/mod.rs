//! Signatures: signing, confirming, counting, reconciling, and the emails they send.

mod confirm;
mod counting;
mod lists;
mod outbox;
mod reconcile;
mod sign;

pub use confirm::{
    confirm, confirm_all, unsubscribe, ConfirmOutcome, ConfirmRequest, ConfirmedSignature,
    SignerConstituency,
};
pub use counting::{count_confirmed, CountReport};
pub(crate) use counting::{uncount, unqueue};
pub use lists::{add_list_entry, load_signing_lists};
pub(crate) use outbox::queue_emails;
pub use outbox::{
    claim_due, mark_failed, mark_for_retry, mark_sent, outbox_status, release_untried, EmailKind,
    MailingMail, OutboxStatus, OutgoingEmail, QueuedEmail, RejectionMail, SignatureMail,
};
pub use reconcile::{reconcile_all, reconcile_petition, Repair};
pub(crate) use sign::store_creator;
pub use sign::{sign_all, NewSignature, SignOutcome, SigningPolicy};
