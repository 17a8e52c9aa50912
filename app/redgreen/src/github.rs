//! The GitHub adapters: the forge, progress comments, denial replies, the App's permissions,
//! branch-protection checks and the repository minimum.

pub mod denial_reply;
pub mod forge;
pub mod permissions;
pub mod progress;
pub mod protection_doctor;
pub mod repo_minimum;
