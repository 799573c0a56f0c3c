//! The model: games and their share functions, policies, problems (who
//! plays what), count blocks of role games, and the size limits every input
//! is held to.

pub(crate) mod count_blocks;
pub(crate) mod game;
pub(crate) mod limits;
pub(crate) mod policy;
pub(crate) mod problem;
