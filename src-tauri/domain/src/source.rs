//! Where a delivery came from: one of the three vendors.

use serde::Serialize;
use ts_rs::TS;

/// Where a delivery came from. The string forms are stored and shown; never rename them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    ActionTarget,
    Enviso,
    Samna,
}

impl Source {
    pub const ALL: [Source; 3] = [Source::ActionTarget, Source::Enviso, Source::Samna];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::ActionTarget => "action_target",
            Source::Enviso => "enviso",
            Source::Samna => "samna",
        }
    }

    pub fn parse(s: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
