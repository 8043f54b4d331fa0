//! Petitions: their rows, the public read models, the list query and the importer's upsert.

mod creation;
mod editing;
mod import;
mod list;
mod model;
mod moderation;
mod read;
mod responses_and_debates;
mod staff_list;
mod time_driven;

pub(crate) use creation::confirmed_sponsors;
pub use creation::{create_petition, find_sponsorship, CreatedPetition, NewPetition, Sponsorship};
pub use editing::{edit_texts, find_note, save_note, set_tags, EditOutcome, Note};
pub use import::{
    import_petition, ImportedParliament, NewDepartment, NewOtherBusiness, PetitionImport,
};
pub use list::{list_petition_rows, list_petitions, Facet, ListQuery, Page, Scope};
pub use model::{
    ConstituencyCount, CountryCount, DebateOutcome, Department, GovernmentResponse, OtherBusiness,
    PetitionRow, RegionCount,
};
pub use moderation::{moderate, ModerationOutcome, ModerationRequest};
pub use read::{
    count_petitions, find_breakdowns, find_count, find_petition, Breakdowns, CountRow,
    PetitionRecord,
};
pub use responses_and_debates::{
    record_debate_outcome, record_government_response, record_other_business, schedule_debate,
    RecordOutcome,
};
pub use staff_list::{
    list_for_staff, StaffFacet, StaffListQuery, NEARLY_OVERDUE_AFTER_DAYS, OVERDUE_AFTER_DAYS,
};
pub use time_driven::{close_past_deadline, mark_debates_held};
