//! Application state: what is shown (board, milestone, filter, sort), where
//! the selection and scroll positions are, which overlay is open, and the
//! status line. Changed only by [`crate::core::app::update::update`].

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::core::app::session::Session;
use crate::core::app::status::StatusLine;

use crate::core::app::changes::Changes;
use crate::core::app::geometry;
use crate::core::app::screens::detail::DetailScreen;
use crate::core::app::screens::{Focus, Mode};
use crate::core::app::settings::Settings;
use crate::core::domain::board::{self, BoardKind, BoardLayout, BoardSpec, SortMode};
use crate::core::domain::iteration::{self, IterationPick};
use crate::core::domain::model::{Issue, IssueId, Milestone, MilestoneId, TeamConfig, Workspace};

/// Quick views (`f` cycles them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuickFilter {
    #[default]
    All,
    Mine,
    Unassigned,
    /// Not updated in 14 days.
    Stale,
    /// No lane, several lanes, or an unknown lane.
    Flagged,
    /// The n-th saved view of the config (`[views.NAME]`).
    Saved(u8),
}

impl QuickFilter {
    /// The next view: the built-in ones, then the `saved` ones, then all.
    pub fn next(self, saved: usize) -> Self {
        let first_saved = || {
            if saved > 0 {
                QuickFilter::Saved(0)
            } else {
                QuickFilter::All
            }
        };
        match self {
            QuickFilter::All => QuickFilter::Mine,
            QuickFilter::Mine => QuickFilter::Unassigned,
            QuickFilter::Unassigned => QuickFilter::Stale,
            QuickFilter::Stale => QuickFilter::Flagged,
            QuickFilter::Flagged => first_saved(),
            QuickFilter::Saved(n) if usize::from(n) + 1 < saved => QuickFilter::Saved(n + 1),
            QuickFilter::Saved(_) => QuickFilter::All,
        }
    }

    pub fn name(self, saved: &[crate::core::domain::saved_view::SavedView]) -> String {
        match self {
            QuickFilter::All => "all".into(),
            QuickFilter::Mine => "mine".into(),
            QuickFilter::Unassigned => "unassigned".into(),
            QuickFilter::Stale => "stale (14 days)".into(),
            QuickFilter::Flagged => "flagged".into(),
            QuickFilter::Saved(n) => saved
                .get(usize::from(n))
                .map_or("saved view".into(), |v| v.name.clone()),
        }
    }
}

impl AppState {
    /// `(sent, refused, total)` of the running batch.
    pub fn batch_progress(&self) -> Option<(usize, usize, usize)> {
        let b = self.changes.batch.as_ref()?;
        if b.changes.is_empty() {
            return Some((0, 0, b.total));
        }
        let refused = b
            .changes
            .iter()
            .filter(|id| self.changes.problems.iter().any(|p| p.change.id == **id))
            .count();
        let waiting = b
            .changes
            .iter()
            .filter(|id| self.changes.pending.iter().any(|c| c.id == **id))
            .count();
        Some((
            b.changes.len() - waiting - refused,
            refused,
            b.changes.len(),
        ))
    }
}

/// Selection and scroll position of one board.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardView {
    /// Selected column.
    pub col: usize,
    /// Selected row in each column.
    pub rows: Vec<usize>,
    /// First visible card in each column.
    pub offsets: Vec<usize>,
    /// First visible column.
    pub col_offset: usize,
    /// The selected issue, kept across re-layouts.
    pub selected: Option<IssueId>,
}

/// Everything the UI shows and remembers.
#[derive(Debug, Clone)]
pub struct AppState {
    /// What the board was opened with: the config's keys, commands, views
    /// and profiles, and what the terminal offers.
    pub settings: Settings,
    /// The board's changes: pending, unsaved, refused, undo, the batch
    /// being sent.
    pub changes: Changes,
    pub ws: Workspace,
    pub team: TeamConfig,
    /// This run in its terminal: today and the clock, the terminal's
    /// size, the sync, quitting.
    pub session: Session,
    /// The status line's message.
    pub status: StatusLine,
    pub iteration: IterationPick,
    pub board: BoardKind,
    /// The iteration board's milestone.
    pub milestone: Option<MilestoneId>,
    pub sort: SortMode,
    /// Filter text as typed.
    pub filter: String,
    /// Which screen has the keyboard, the one to return to, the keys of
    /// an unfinished chord.
    pub focus: Focus,
    pub layout: BoardLayout,
    /// Per board (indexed by [`BoardKind::index`]).
    pub views: [BoardView; 3],
    pub ambiguous_iids: HashSet<u64>,
    /// Cards marked for a bulk change, in the order marked.
    pub marked: crate::core::app::bulk::Marks,
    /// What the board showed when it last closed (and when): cards changed
    /// since are marked.
    pub last_look: Option<(
        DateTime<Utc>,
        std::collections::BTreeMap<IssueId, crate::core::domain::since::Glimpse>,
    )>,
    /// The milestone the iteration board follows (remembered per workspace).
    pub followed: Option<MilestoneId>,
    pub quick: QuickFilter,
    /// New issues (`n`): the project they went to last, the one waiting
    /// for its description.
    pub new_issue: crate::core::app::new_issue::NewIssues,
    /// Comments of issues whose detail pane was opened: `Err` says why not.
    pub notes: crate::core::app::panes::Notes,
    /// Workspaces replaced by a sync, for the terminal adapter to free off
    /// the UI thread (freeing 10,000 issues takes milliseconds).
    pub retired: Vec<Workspace>,
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
            milestone: iteration.current,
            iteration,
            ws,
            team,
            session: Session::new(today),
            board,
            sort: SortMode::Manual,
            filter: String::new(),
            focus: Focus::default(),
            settings: Settings::default(),
            changes: Changes::default(),
            layout: BoardLayout {
                kind: board,
                columns: Vec::new(),
            },
            views: [
                BoardView::default(),
                BoardView::default(),
                BoardView::default(),
            ],
            status,
            ambiguous_iids,
            notes: Default::default(),
            retired: Vec::new(),
            marked: Default::default(),
            last_look: None,
            new_issue: Default::default(),
            followed: None,
            quick: QuickFilter::All,
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
        let old_explain = self.iteration.rule.explain();
        self.iteration = iteration::pick(&self.ws.milestones, &self.team, self.session.today);
        // Replace a stale explanation of the iteration pick.
        if self
            .status
            .message
            .as_ref()
            .is_some_and(|m| Some(&m.text) == old_explain.as_ref())
        {
            self.status = StatusLine::default();
            if let Some(text) = self.iteration.rule.explain() {
                self.status.info(text);
            }
        }
        if self
            .milestone
            .is_none_or(|id| self.ws.milestone(id).is_none())
        {
            self.milestone = self.iteration.current;
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
            self.followed = Some(m.id);
            self.milestone = Some(m.id);
            self.relayout();
        }
    }

    /// The shown milestone of the iteration board.
    pub fn shown_milestone(&self) -> Option<&Milestone> {
        self.milestone.and_then(|id| self.ws.milestone(id))
    }

    pub fn view(&self) -> &BoardView {
        &self.views[self.board.index()]
    }

    fn view_mut(&mut self) -> &mut BoardView {
        &mut self.views[self.board.index()]
    }

    /// The issues of every card that can be in sight on a screen of
    /// `rows` rows (a card takes one row at least): in each column, those
    /// from `rows` above its first visible card or its selected one to
    /// `rows` below. What the first frame needs read of them besides their
    /// rows (ages, merge requests) is read before the rest.
    pub fn cards_near_sight(&self, rows: usize) -> Vec<IssueId> {
        let v = self.view();
        let mut ids = Vec::new();
        for (k, col) in self.layout.columns.iter().enumerate() {
            let offset = v.offsets.get(k).copied().unwrap_or(0);
            let row = v.rows.get(k).copied().unwrap_or(0);
            let from = offset.min(row).saturating_sub(rows);
            let to = offset.max(row).saturating_add(2 * rows);
            ids.extend(col.cards.iter().skip(from).take(to - from).map(|c| c.id));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// What the workflow plans a change made on the board with.
    pub fn workflow_context(&self) -> crate::core::domain::workflow::Context<'_> {
        crate::core::domain::workflow::Context {
            team: &self.team,
            milestones: &self.ws.milestones,
            members: &self.ws.members,
            me: self.ws.me.as_ref(),
            current: self.iteration.current,
            free_tier: self.ws.free_tier,
            command_line: false,
        }
    }

    /// The selected card's issue, if the selected column has cards.
    pub fn selected_issue(&self) -> Option<&Issue> {
        let v = self.view();
        let col = self.layout.columns.get(v.col)?;
        let card = col.cards.get(*v.rows.get(v.col)?)?;
        card.issue(&self.ws)
    }

    /// Recompute the layout after the data, board, milestone, filter or sort
    /// changed, keeping the selected issue selected where it still shows.
    pub fn relayout(&mut self) {
        let filter = self.filter.to_lowercase();
        self.layout = board::layout(
            &self.ws,
            BoardSpec {
                kind: self.board,
                team: &self.team,
                milestone: self.milestone,
                filter: filter.trim(),
                sort: self.sort,
            },
        );
        if self.quick != QuickFilter::All {
            let me = self.ws.me.as_ref().map(|u| u.id);
            let stale_before = self.session.today - chrono::Duration::days(14);
            let quick = self.quick;
            let ws = &self.ws;
            for col in &mut self.layout.columns {
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
        if let QuickFilter::Saved(n) = self.quick
            && let Some(v) = self.settings.saved_views.get(usize::from(n))
        {
            v.apply(&mut self.layout, &self.ws, self.session.today);
        }
        let ncols = self.layout.columns.len();
        let selected = self.view().selected;
        let layout = &self.layout;
        let v = &mut self.views[self.board.index()];
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

    /// Select this issue (on the shown board) at the next re-layout.
    pub fn view_select(&mut self, id: IssueId) {
        self.view_mut().selected = Some(id);
    }

    /// Remember which issue is selected after the selection moved.
    pub fn sync_selected(&mut self) {
        let id = self.selected_issue().map(|i| i.id);
        if id.is_some() {
            self.view_mut().selected = id;
        }
    }

    /// Scroll so the selected card and column are on screen.
    pub fn ensure_visible(&mut self) {
        let (w, h) = self.session.viewport;
        let Ok(scr) = geometry::screen(w, h) else {
            return;
        };
        let (cards, _) = geometry::split_planning(scr.board, self.board == BoardKind::Planning);
        let per_col = geometry::cards_per_column(cards.h);
        let ncols = self.layout.columns.len();
        let visible_cols = geometry::visible_columns(cards.w, ncols);
        let lens: Vec<usize> = self.layout.columns.iter().map(|c| c.cards.len()).collect();
        let v = self.view_mut();
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
