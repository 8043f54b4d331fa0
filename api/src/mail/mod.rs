//! Email to signers: written from outbox rows, sent over SMTP or, with no SMTP server
//! configured, dropped as `.eml` files into `MAIL_DIR`.

mod delivery;
pub mod mailings;
pub(crate) mod render;
mod smtp;

pub use delivery::{deliver_due, DeliveryReport, Mailer, StepTimes};
pub use render::{render, RenderError};
pub use smtp::SmtpServer;
