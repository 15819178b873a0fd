//! What the board was opened with: the keys in effect, the team's own
//! commands, saved views and profiles from the config, where a new planning
//! issue goes, and what the terminal offers (an editor, a browser). Set
//! once by the terminal adapter; the profile switcher (`gw`) writes its
//! choice back.

use std::sync::Arc;

use crate::core::app::custom_command::CustomCommand;
use crate::core::app::keys::Keymap;
use crate::core::domain::saved_view::SavedView;

/// The board's settings (a part of [`crate::core::app::state::AppState`]).
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `$VISUAL` or `$EDITOR` is set: comments are written there.
    pub editor: bool,
    /// A browser can be opened here (a display and an opener): else `o`
    /// shows the address.
    pub browser: bool,
    /// Where a new planning issue goes and its template (from the config).
    pub planning_setup: PlanningSetup,
    /// The keys in effect: the defaults with the config's `[keys]`.
    pub keymap: Arc<Keymap>,
    /// The config's `[[commands]]`.
    pub commands: Vec<CustomCommand>,
    /// The config's `[views.NAME]`, after the built-in quick views.
    pub saved_views: Vec<SavedView>,
    /// The config's profiles, and the one shown (`None`: the default).
    pub profiles: Vec<String>,
    pub profile: Option<String>,
    /// Chosen in the switcher (`gw`): open the board again on it.
    pub switch_profile: Option<Option<String>>,
}

/// How the board makes a planning issue: the config's `planning_project`
/// (a project path) and the text of its `planning_template`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlanningSetup {
    pub project: Option<String>,
    pub template: Option<String>,
}
