//! Flags that take one of the library's named values
//! ([`unitsum_gpu::Choice`]: `--backend`, `--method`, `--counts`,
//! `--solver`): the names and their help come from the library, and so does
//! the message for a wrong one, so the CLI and the Python package refuse the
//! same mistake in the same words.

use std::marker::PhantomData;

use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::ErrorKind;
use unitsum_gpu::Choice;

/// The clap parser of one [`Choice`].
#[derive(Clone, Copy, Debug)]
pub struct Named<T>(PhantomData<T>);

/// The parser for `value_parser = named::<Backend>()`.
pub fn named<T>() -> Named<T> {
    Named(PhantomData)
}

impl<T: Choice + Send + Sync> TypedValueParser for Named<T> {
    type Value = T;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        T::parse_name(&text).map_err(|_| {
            let flag = arg.and_then(clap::Arg::get_long).unwrap_or(T::OPTION);
            clap::Error::raw(
                ErrorKind::InvalidValue,
                format!("--{flag}: {}\n", unitsum_gpu::expected::<T>(&text)),
            )
            .with_cmd(command)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(T::NAMES.iter().map(|(name, help, _)| {
            PossibleValue::new(*name).help(*help)
        })))
    }
}
