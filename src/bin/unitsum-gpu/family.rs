//! The flags that name a family's game instead of a spec file
//! (`guarantee --curve`, `power`): one clap group, and the game they name
//! (the rules in the library, `unitsum_gpu::curve_game`).

use clap::Args;
use unitsum_gpu::{Error, Game};

use crate::Failure;

/// `--family`, `--players`, `--actions`, `--params`, `--states`, `--seed`.
#[derive(Args)]
pub struct FamilyArgs {
    /// Family of the game (without a spec) [default: plurality].
    #[arg(long)]
    pub family: Option<String>,
    /// Players of the game (without a spec) [default: 9].
    #[arg(long)]
    pub players: Option<usize>,
    /// Actions of the game (without a spec) [default: 3].
    #[arg(long)]
    pub actions: Option<usize>,
    /// The game's parameters as JSON, e.g. '{"weights": [[1,2,3],[3,2,1]]}';
    /// without them, drawn from --seed (--states states).
    #[arg(long)]
    pub params: Option<String>,
    /// States of drawn parameters [default: 1].
    #[arg(long)]
    pub states: Option<usize>,
    /// Seed of drawn parameters [default: 0].
    #[arg(long)]
    pub seed: Option<u64>,
}

impl FamilyArgs {
    /// Players and actions, with their defaults.
    pub fn size(&self) -> (usize, usize) {
        (self.players.unwrap_or(9), self.actions.unwrap_or(3))
    }

    /// The family's name, with its default.
    pub fn family(&self) -> &str {
        self.family.as_deref().unwrap_or("plurality")
    }

    /// The flags given, by name: for refusing them where a spec gives the
    /// game.
    pub fn given(&self) -> [(&'static str, bool); 6] {
        [
            ("family", self.family.is_some()),
            ("players", self.players.is_some()),
            ("actions", self.actions.is_some()),
            ("params", self.params.is_some()),
            ("states", self.states.is_some()),
            ("seed", self.seed.is_some()),
        ]
    }

    /// The game: `--params` parsed as JSON, the rules in the library.
    pub fn game(&self) -> Result<Game, Failure> {
        let params = match &self.params {
            Some(text) => Some(unitsum_gpu::parse_json(text).map_err(|e| match e {
                Error::Spec { path, message } => {
                    Error::usage("params", format!("{path}: {message}"))
                }
                other => other,
            })?),
            None => None,
        };
        let (players, actions) = self.size();
        Ok(unitsum_gpu::curve_game(
            self.family(),
            params.as_ref(),
            players,
            actions,
            self.states,
            self.seed,
        )?)
    }
}
