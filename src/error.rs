//! Errors of the public API. Each has a stable `code` that JavaScript sees as `error.code`.
//! "Nothing matched" is never an error: it is a diagnosis without findings.

/// Why a call could not produce a result.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The input was meant to be JSON (an object, or records) and is not.
    #[error("the input is not valid JSON: {0}")]
    InvalidJson(String),
    /// The input has a type or shape this entry point cannot take.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The options object has a field of the wrong type.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// The input is larger than the configured limit.
    #[error("the input is {size} bytes, more than the limit of {limit} bytes (options.maxInputBytes)")]
    InputTooLarge { size: u64, limit: u64 },
    /// The records have more entries than the configured limit.
    #[error("the input has more than {limit} records (options.maxRecords)")]
    TooManyRecords { limit: u64 },
    /// The records given to the chain check or the space plan cannot be used.
    #[error("invalid records: {0}")]
    InvalidRecords(String),
    /// A streaming scanner was used after `finish()`.
    #[error("the scanner is finished; create a new one")]
    ScannerFinished,
}

impl Error {
    /// The stable code of this error (`INVALID_JSON`, `INVALID_INPUT`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidJson(_) => "INVALID_JSON",
            Error::InvalidInput(_) => "INVALID_INPUT",
            Error::InvalidOptions(_) => "INVALID_OPTIONS",
            Error::InputTooLarge { .. } | Error::TooManyRecords { .. } => "INPUT_TOO_LARGE",
            Error::InvalidRecords(_) => "INVALID_RECORDS",
            Error::ScannerFinished => "SCANNER_FINISHED",
        }
    }
}
