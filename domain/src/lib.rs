//! The rules of a parliamentary petition, with no I/O and no clock: time always comes in
//! as an argument, so every rule here can be tested exhaustively.

pub mod access;
pub mod client_ip;
pub mod counting;
pub mod deadline;
pub mod editing;
pub mod email;
pub mod invalidation;
pub mod moderation;
pub mod parliament;
pub mod postcode;
pub mod projection;
pub mod rejection_reason;
pub mod responses_and_debates;
pub mod screening;
pub mod secret;
pub mod settings;
pub mod signature;
pub mod signer;
pub mod signer_details;
pub mod sponsorship;
pub mod state;
pub mod text;
pub mod thresholds;
mod validation;

pub use email::Email;
pub use postcode::Postcode;
pub use signer::SignerName;
pub use signer_details::{SignerDetails, SignerForm};
pub use text::{
    AdditionalDetails, Background, CommitteeNote, DebateOverview, PetitionAction, PetitionText,
    PetitionTextForm, RejectionDetails, ResponseDetails, ResponseSummary,
};
pub use thresholds::{ThresholdCrossing, Thresholds};
pub use validation::ValidationError;
