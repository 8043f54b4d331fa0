//! The rules of a parliamentary petition, with no I/O and no clock: time always comes in
//! as an argument, so every rule here can be tested exhaustively.

pub mod deadline;
pub mod email;
pub mod postcode;
pub mod signer;
pub mod state;
pub mod text;
pub mod thresholds;
mod validation;

pub use email::Email;
pub use postcode::Postcode;
pub use signer::SignerName;
pub use text::{AdditionalDetails, Background, CommitteeNote, PetitionAction};
pub use thresholds::{ThresholdCrossing, Thresholds};
pub use validation::ValidationError;
