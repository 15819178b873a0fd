//! Application state: the data, and the parts the features own (the
//! board's view, the session, the focus, the status line, the changes,
//! the marks, new issues, comments, the settings). Changed only by
//! [`crate::core::app::update::update`].

use std::collections::HashSet;

use chrono::NaiveDate;

use crate::core::app::bulk::Marks;
use crate::core::app::changes::Changes;
use crate::core::app::geometry;
use crate::core::app::new_issue::NewIssues;
use crate::core::app::panes::Notes;
use crate::core::app::screens::board::{Board, QuickFilter};
use crate::core::app::screens::detail::DetailScreen;
use crate::core::app::screens::{Focus, Mode};
use crate::core::app::session::Session;
use crate::core::app::settings::Settings;
use crate::core::app::status::StatusLine;
use crate::core::domain::board::{self, BoardKind, BoardSpec};
use crate::core::domain::iteration;
use crate::core::domain::model::{Issue, Milestone, MilestoneId, TeamConfig, Workspace};

/// Everything the UI shows and remembers: the data (GitLab's, with the
/// changes not applied yet shown over it) and a part for each feature,
/// each with its type in that feature's module.
#[derive(Debug, Clone)]
pub struct AppState {
    pub ws: Workspace,
    pub team: TeamConfig,
    /// Issue numbers more than one project has: their references name
    /// the project (`project#12`).
    pub ambiguous_iids: HashSet<u64>,
    /// Workspaces replaced by a sync, for the terminal adapter to free off
    /// the UI thread (freeing 10,000 issues takes milliseconds).
    pub retired: Vec<Workspace>,
    /// What the board was opened with: the config's keys, commands, views
    /// and profiles, and what the terminal offers.
    pub settings: Settings,
    /// This run in its terminal: today and the clock, the terminal's
    /// size, the sync, quitting.
    pub session: Session,
    /// The board's view: which board, milestone, filter, sort and quick
    /// view, its layout, and where each board's selection is.
    pub board: Board,
    /// Which screen has the keyboard, the one to return to, the keys of
    /// an unfinished chord.
    pub focus: Focus,
    /// The status line's message.
    pub status: StatusLine,
    /// The board's changes: pending, unsaved, refused, undo, the batch
    /// being sent.
    pub changes: Changes,
    /// Cards marked for a bulk change, in the order marked.
    pub marked: Marks,
    /// New issues (`n`): the project they went to last, the one waiting
    /// for its description.
    pub new_issue: NewIssues,
    /// Comments of issues whose detail pane was opened: `Err` says why not.
    pub notes: Notes,
}

impl AppState {
    /// A new state showing `board`; the iteration board opens on the current iteration.
    pub fn new(ws: Workspace, team: TeamConfig, today: NaiveDate, board: BoardKind) -> Self {
        let iteration = iteration::pick(&ws.milestones, &team, today);
        let ambiguous_iids = board::ambiguous_iids(&ws);
        let mut status = StatusLine::default();
        if let Some(text) = iteration.rule.explain() {
            status.info(text);
        }
        let mut s = AppState {
            board: Board::new(board, iteration),
            ws,
            team,
            session: Session::new(today),
            focus: Focus::default(),
            settings: Settings::default(),
            changes: Changes::default(),
            status,
            ambiguous_iids,
            notes: Default::default(),
            retired: Vec::new(),
            marked: Default::default(),
            new_issue: Default::default(),
        };
        s.relayout();
        s
    }

    /// Take new data (GitLab's state) from the cache, keeping the board,
    /// milestone, filter and selection where they still make sense; the
    /// pending changes are shown over it.
    pub fn replace_workspace(&mut self, ws: Workspace, lanes: Vec<String>) {
        let keep_name = std::mem::take(&mut self.ws.name);
        let old = std::mem::replace(&mut self.ws, ws);
        self.retired.push(old);
        self.changes.base.clear();
        if self.ws.name.is_empty() {
            self.ws.name = keep_name;
        }
        if !lanes.is_empty() {
            self.team.lanes = lanes;
        }
        let old_explain = self.board.iteration.rule.explain();
        self.board.iteration = iteration::pick(&self.ws.milestones, &self.team, self.session.today);
        // Replace a stale explanation of the iteration pick.
        if self
            .status
            .message
            .as_ref()
            .is_some_and(|m| Some(&m.text) == old_explain.as_ref())
        {
            self.status = StatusLine::default();
            if let Some(text) = self.board.iteration.rule.explain() {
                self.status.info(text);
            }
        }
        if self
            .board
            .milestone
            .is_none_or(|id| self.ws.milestone(id).is_none())
        {
            self.board.milestone = self.board.iteration.current;
        }
        let ids = self.overlay_ids();
        self.rebuild(&ids);
        self.ambiguous_iids = board::ambiguous_iids(&self.ws);
        self.session.loaded = true;
        if let Mode::Detail(DetailScreen { issue, .. }) = self.focus.mode
            && self.ws.issue(issue).is_none()
        {
            self.focus.mode = Mode::Board;
        }
        self.relayout();
    }

    /// Follow a remembered milestone when it is open and not past; else
    /// the current iteration.
    pub fn follow_remembered(&mut self, remembered: Option<MilestoneId>) {
        let usable = remembered.and_then(|id| self.ws.milestone(id)).filter(|m| {
            m.state == crate::core::domain::model::MilestoneState::Active
                && m.due_date.is_none_or(|d| d >= self.session.today)
        });
        if let Some(m) = usable {
            self.board.followed = Some(m.id);
            self.board.milestone = Some(m.id);
            self.relayout();
        }
    }

    /// The shown milestone of the iteration board.
    pub fn shown_milestone(&self) -> Option<&Milestone> {
        self.board.milestone.and_then(|id| self.ws.milestone(id))
    }

    /// What the workflow plans a change made on the board with.
    pub fn workflow_context(&self) -> crate::core::domain::workflow::Context<'_> {
        crate::core::domain::workflow::Context {
            team: &self.team,
            milestones: &self.ws.milestones,
            members: &self.ws.members,
            me: self.ws.me.as_ref(),
            current: self.board.iteration.current,
            free_tier: self.ws.free_tier,
            command_line: false,
        }
    }

    /// The selected card's issue, if the selected column has cards.
    pub fn selected_issue(&self) -> Option<&Issue> {
        let v = self.board.view();
        let col = self.board.layout.columns.get(v.col)?;
        let card = col.cards.get(*v.rows.get(v.col)?)?;
        card.issue(&self.ws)
    }

    /// Recompute the layout after the data, board, milestone, filter or sort
    /// changed, keeping the selected issue selected where it still shows.
    pub fn relayout(&mut self) {
        let filter = self.board.filter.to_lowercase();
        self.board.layout = board::layout(
            &self.ws,
            BoardSpec {
                kind: self.board.kind,
                team: &self.team,
                milestone: self.board.milestone,
                filter: filter.trim(),
                sort: self.board.sort,
            },
        );
        if self.board.quick != QuickFilter::All {
            let me = self.ws.me.as_ref().map(|u| u.id);
            let stale_before = self.session.today - chrono::Duration::days(14);
            let quick = self.board.quick;
            let ws = &self.ws;
            for col in &mut self.board.layout.columns {
                col.cards.retain(|c| {
                    let Some(i) = c.issue(ws) else {
                        return false;
                    };
                    match quick {
                        QuickFilter::All => true,
                        QuickFilter::Mine => i.assignees.iter().any(|u| Some(u.id) == me),
                        QuickFilter::Unassigned => i.assignees.is_empty(),
                        QuickFilter::Stale => i.updated_at.date_naive() < stale_before,
                        QuickFilter::Flagged => c.flags.any(),
                        // Narrowed below, columns and all.
                        QuickFilter::Saved(_) => true,
                    }
                });
                col.weight = col
                    .cards
                    .iter()
                    .filter_map(|c| c.issue(ws).and_then(|i| i.weight))
                    .sum();
            }
        }
        if let QuickFilter::Saved(n) = self.board.quick
            && let Some(v) = self.settings.saved_views.get(usize::from(n))
        {
            v.apply(&mut self.board.layout, &self.ws, self.session.today);
        }
        let ncols = self.board.layout.columns.len();
        let selected = self.board.view().selected;
        let layout = &self.board.layout;
        let v = &mut self.board.views[self.board.kind.index()];
        v.rows.resize(ncols, 0);
        v.offsets.resize(ncols, 0);
        v.col = v.col.min(ncols.saturating_sub(1));
        if let Some(id) = selected {
            // Stay on the selected issue: in its column if it is still there,
            // else in whichever column now holds it.
            let here = layout
                .columns
                .get(v.col)
                .and_then(|c| c.cards.iter().position(|c| c.id == id));
            if let Some(row) = here {
                v.rows[v.col] = row;
            } else if let Some((col, row)) = layout
                .columns
                .iter()
                .enumerate()
                .find_map(|(ci, c)| c.cards.iter().position(|k| k.id == id).map(|r| (ci, r)))
            {
                v.col = col;
                v.rows[col] = row;
            }
        }
        for (row, c) in v.rows.iter_mut().zip(&layout.columns) {
            *row = (*row).min(c.cards.len().saturating_sub(1));
        }
        self.sync_selected();
        self.ensure_visible();
    }

    /// Remember which issue is selected after the selection moved.
    pub fn sync_selected(&mut self) {
        let id = self.selected_issue().map(|i| i.id);
        if id.is_some() {
            self.board.view_mut().selected = id;
        }
    }

    /// Scroll so the selected card and column are on screen.
    pub fn ensure_visible(&mut self) {
        let (w, h) = self.session.viewport;
        let Ok(scr) = geometry::screen(w, h) else {
            return;
        };
        let (cards, _) =
            geometry::split_planning(scr.board, self.board.kind == BoardKind::Planning);
        let per_col = geometry::cards_per_column(cards.h);
        let ncols = self.board.layout.columns.len();
        let visible_cols = geometry::visible_columns(cards.w, ncols);
        let lens: Vec<usize> = self
            .board
            .layout
            .columns
            .iter()
            .map(|c| c.cards.len())
            .collect();
        let v = self.board.view_mut();
        if v.col < v.col_offset {
            v.col_offset = v.col;
        } else if v.col >= v.col_offset + visible_cols {
            v.col_offset = v.col + 1 - visible_cols;
        }
        v.col_offset = v.col_offset.min(ncols.saturating_sub(visible_cols));
        for ((len, &row), off) in lens.into_iter().zip(&v.rows).zip(&mut v.offsets) {
            if row < *off {
                *off = row;
            } else if row >= *off + per_col {
                *off = row + 1 - per_col;
            }
            *off = (*off).min(len.saturating_sub(per_col));
        }
    }

    /// The short reference of an issue (`#123` or `project#123` when ambiguous).
    pub fn short_ref(&self, issue: &Issue) -> String {
        board::short_ref(&self.ws, issue, &self.ambiguous_iids)
    }
}
