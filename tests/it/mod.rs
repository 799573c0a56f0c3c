pub mod cli;
pub mod common;
pub mod errors;
pub mod gpu;
pub mod hand;
pub mod reference;
pub mod sampling;
pub mod theorems;
