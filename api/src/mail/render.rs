//! The words of each email. Every email to a signer carries one-click unsubscribe headers
//! (RFC 8058), which large mailbox providers require of bulk senders.

use domain::Thresholds;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use persistence::mailings::MailingKind;
use persistence::signatures::{EmailKind, OutgoingEmail, RejectionMail};
use thiserror::Error;

use crate::links::PublicUrl;

#[derive(Debug, Error)]
pub enum RenderError {
    #[error("the outbox holds a kind of email this release does not know")]
    UnknownKind,
    #[error("the recipient {0:?} is not a deliverable address")]
    BadRecipient(String),
    #[error("the petition of a creator's email has no supporter token")]
    NoSponsorToken,
    #[error("a mailing's email has lost its mailing")]
    NoMailing,
    #[error("the message could not be built: {0}")]
    Build(#[from] lettre::error::Error),
}

/// The confirmation link for a signature.
pub fn verify_link(links: &PublicUrl, signature_id: i64, token: &str) -> String {
    links.join(&format!("/signatures/{signature_id}/verify?token={token}"))
}

/// The link a creator shares with would-be supporters.
pub fn sponsor_link(links: &PublicUrl, petition_id: i64, token: &str) -> String {
    links.join(&format!("/petitions/{petition_id}/sponsors?token={token}"))
}

fn unsubscribe_link(links: &PublicUrl, signature_id: i64, token: &str) -> String {
    links.join(&format!(
        "/signatures/{signature_id}/unsubscribe?token={token}"
    ))
}

/// The reason for a rejection as the creator and supporters read it. A petition restored
/// before the email was sent no longer has one.
fn rejection_text(rejection: Option<&RejectionMail>) -> String {
    let Some(rejection) = rejection else {
        return "The decision has since been reviewed: see the petition's page.".to_owned();
    };
    let mut text = format!("{}. {}", rejection.title, rejection.description);
    if let Some(details) = rejection.details.as_deref().filter(|d| !d.is_empty()) {
        text.push_str("\n\n");
        text.push_str(details);
    }
    text
}

/// Builds the message for an outbox row. The `Message-ID` comes from the row, so a message
/// resent after a crash is recognisably the same message.
pub fn render(
    email: &OutgoingEmail,
    links: &PublicUrl,
    from: &Mailbox,
    thresholds: &Thresholds,
) -> Result<Message, RenderError> {
    let signature = &email.signature;
    let kind = email.kind.ok_or(RenderError::UnknownKind)?;
    let to = Mailbox::new(
        Some(signature.name.clone()),
        signature
            .email
            .parse()
            .map_err(|_| RenderError::BadRecipient(signature.email.clone()))?,
    );
    let petition = links.petition(signature.petition_id, false);
    let unsubscribe = unsubscribe_link(links, signature.signature_id, &signature.unsubscribe_token);
    let (subject, body) = match kind {
        EmailKind::SignatureConfirmation => (
            format!("Please confirm your signature: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 Please confirm your signature of the petition \"{action}\" by opening this link:\n\n\
                 {verify}\n\n\
                 Your signature is not counted until you do. If you did not sign, ignore this \
                 email and nothing will be counted.\n\n\
                 The petition: {petition}\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                action = signature.petition_action,
                verify = verify_link(links, signature.signature_id, &signature.confirmation_token),
            ),
        ),
        EmailKind::AlreadySigned => (
            format!("You have already signed: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 You tried to sign the petition \"{action}\" again. You have already signed it \
                 and your signature is counted, so there is nothing more to do.\n\n\
                 The petition: {petition}\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                action = signature.petition_action,
            ),
        ),
        EmailKind::PetitionConfirmation => (
            format!("Please confirm your petition: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 Thank you for creating the petition \"{action}\". Please confirm your email \
                 address by opening this link:\n\n\
                 {verify}\n\n\
                 Then ask at least {needed} people to support your petition, by sending them \
                 this link (POST their details to it):\n\n\
                 {support}\n\n\
                 Once {needed} supporters have confirmed, we will check that your petition \
                 meets the standards, and publish it.\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                action = signature.petition_action,
                verify = verify_link(links, signature.signature_id, &signature.confirmation_token),
                needed = thresholds.moderation,
                support = sponsor_link(
                    links,
                    signature.petition_id,
                    signature
                        .sponsor_token
                        .as_deref()
                        .ok_or(RenderError::NoSponsorToken)?
                ),
            ),
        ),
        EmailKind::SponsorSupported => (
            format!("A supporter signed your petition: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 {supporter} has supported your petition \"{action}\" and confirmed their \
                 email address.\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                supporter = email.about_name.as_deref().unwrap_or("Someone"),
                action = signature.petition_action,
            ),
        ),
        EmailKind::PetitionPublished => (
            format!("Petition published: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 {whose} \"{action}\" has been published and can now be signed:\n\n\
                 {petition}\n\n\
                 Share it: at {response} signatures the government will respond, and at \
                 {debate} Parliament will consider it for a debate.\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                whose = if signature.creator {
                    "Your petition"
                } else {
                    "The petition you supported,"
                },
                action = signature.petition_action,
                response = thresholds.response,
                debate = thresholds.debate,
            ),
        ),
        EmailKind::PetitionRejected => (
            format!("Petition rejected: {}", signature.petition_action),
            format!(
                "Dear {name},\n\n\
                 Sorry, {whose} \"{action}\" has been rejected.\n\n\
                 {reason}\n\n\
                 To receive no more emails about this petition: {unsubscribe}\n",
                name = signature.name,
                whose = if signature.creator {
                    "your petition"
                } else {
                    "the petition you supported,"
                },
                action = signature.petition_action,
                reason = rejection_text(signature.rejection.as_ref()),
            ),
        ),
        EmailKind::SignerMailing if is_dissolution(email) => {
            let mailing = email.mailing.as_ref().ok_or(RenderError::NoMailing)?;
            (
                mailing.subject.clone(),
                format!(
                    "Dear {name},\n\n\
                     {body}\n\n\
                     One of the petitions you signed: \"{action}\": {petition}\n\n\
                     To receive no more emails about this petition: {unsubscribe}\n",
                    name = signature.name,
                    body = mailing.body,
                    action = signature.petition_action,
                ),
            )
        }
        EmailKind::SignerMailing => {
            let mailing = email.mailing.as_ref().ok_or(RenderError::NoMailing)?;
            (
                format!("{}: {}", mailing.subject, signature.petition_action),
                format!(
                    "Dear {name},\n\n\
                     {body}\n\n\
                     The petition \"{action}\": {petition}\n\n\
                     To receive no more emails about this petition: {unsubscribe}\n",
                    name = signature.name,
                    body = mailing.body,
                    action = signature.petition_action,
                ),
            )
        }
    };
    let host = from.email.domain().to_owned();
    let mut message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(format!("<outbox-{}@{host}>", email.id)))
        .body(body)?;
    let headers = message.headers_mut();
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe"),
        format!("<{unsubscribe}>"),
    ));
    headers.insert_raw(HeaderValue::new(
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click".to_owned(),
    ));
    Ok(message)
}

/// A dissolution notice goes once to an address that may have signed many petitions.
fn is_dissolution(email: &OutgoingEmail) -> bool {
    email
        .mailing
        .as_ref()
        .is_some_and(|mailing| mailing.kind == MailingKind::Dissolution.as_str())
}
