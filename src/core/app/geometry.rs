//! Screen geometry: where the header, columns, cards and status line go for
//! a terminal size. Shared by the views (to draw) and by `update` (to scroll
//! and to map mouse clicks to cards), so both always agree.

/// A count of cells, rows or items as terminal cells (`u16`), saturating
/// at `u16::MAX`: a list of 70,000 items is "more than fits", never 4,464
/// rows. Screen arithmetic on the result should saturate too.
pub fn cells(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// A rectangle in terminal cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rect {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

impl Rect {
    pub fn contains(&self, x: u16, y: u16) -> bool {
        x >= self.x
            && x < self.x.saturating_add(self.w)
            && y >= self.y
            && y < self.y.saturating_add(self.h)
    }
}

/// Rows of the header (title line, board tabs and milestone line).
pub const HEADER_H: u16 = 2;
/// Rows of the status line.
pub const STATUS_H: u16 = 1;
/// Rows of a column's header (title with counts, then a rule).
pub const COLUMN_HEADER_H: u16 = 2;
/// Text rows of a card (two title lines and a line of assignees and weight).
pub const CARD_LINES: u16 = 3;
/// Rows a card takes, including the gap below it.
pub const CARD_H: u16 = CARD_LINES + 1;
/// Narrowest column worth drawing.
pub const MIN_COLUMN_W: u16 = 24;
/// Smallest terminal the board can be drawn in.
/// The column width a board prefers when not every column fits.
pub const COMFORT_COLUMN_W: u16 = 29;
pub const MIN_W: u16 = 30;
pub const MIN_H: u16 = HEADER_H + STATUS_H + COLUMN_HEADER_H + CARD_LINES + 2;

/// The three regions of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub header: Rect,
    pub board: Rect,
    pub status: Rect,
}

/// Too small to draw anything useful: the size the board needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooSmall {
    pub need_w: u16,
    pub need_h: u16,
}

/// Width of planning mode's capacity panel, beside the two columns.
pub const CAPACITY_PANEL_W: u16 = 34;

/// The cards' area, and in planning mode (when the screen is wide enough
/// for two columns beside it) the capacity panel on the right.
pub fn split_planning(board: Rect, planning: bool) -> (Rect, Option<Rect>) {
    if !planning || board.w < 2 * MIN_COLUMN_W + CAPACITY_PANEL_W {
        return (board, None);
    }
    let cards = Rect {
        w: board.w - CAPACITY_PANEL_W,
        ..board
    };
    let panel = Rect {
        x: board.x + cards.w,
        w: CAPACITY_PANEL_W,
        ..board
    };
    (cards, Some(panel))
}

/// Split the terminal into regions, or say it is too small.
pub fn screen(w: u16, h: u16) -> Result<Screen, TooSmall> {
    if w < MIN_W || h < MIN_H {
        return Err(TooSmall {
            need_w: MIN_W,
            need_h: MIN_H,
        });
    }
    Ok(Screen {
        header: Rect {
            x: 0,
            y: 0,
            w,
            h: HEADER_H,
        },
        board: Rect {
            x: 0,
            y: HEADER_H,
            w,
            h: h - HEADER_H - STATUS_H,
        },
        status: Rect {
            x: 0,
            y: h - STATUS_H,
            w,
            h: STATUS_H,
        },
    })
}

/// How many columns fit side by side in `board_w` cells: every column when
/// all fit at the minimum width, else as many as fit at a comfortable width
/// (so a wider terminal never gets narrower cards than a 120-column one),
/// else as many as fit at the minimum.
pub fn visible_columns(board_w: u16, ncols: usize) -> usize {
    let ncols = ncols.max(1);
    let fit_at = |w: u16| ((board_w as usize) + 1) / (w as usize + 1);
    if fit_at(MIN_COLUMN_W) >= ncols {
        return ncols;
    }
    let comfortable = fit_at(COMFORT_COLUMN_W);
    if comfortable >= 2 {
        return comfortable.min(ncols);
    }
    fit_at(MIN_COLUMN_W).clamp(1, ncols)
}

/// A column on screen: which layout column, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnRect {
    pub index: usize,
    pub rect: Rect,
}

/// Rectangles of the visible columns, starting at layout column `offset`.
/// Columns are separated by one cell.
pub fn column_rects(board: Rect, ncols: usize, offset: usize) -> Vec<ColumnRect> {
    let n = visible_columns(board.w, ncols)
        .min(ncols.saturating_sub(offset))
        .max(1);
    // At least one column; never more than there are cells.
    let n16 = cells(n).max(1);
    let usable = board.w.saturating_sub(n16 - 1);
    let base = usable / n16;
    let extra = usable % n16;
    let mut x = board.x;
    (0..n)
        .map(|i| {
            let w = base + u16::from(cells(i) < extra);
            let r = ColumnRect {
                index: offset + i,
                rect: Rect {
                    x,
                    y: board.y,
                    w,
                    h: board.h,
                },
            };
            x = x.saturating_add(w).saturating_add(1);
            r
        })
        .collect()
}

/// Area of a column below its header, where cards go.
pub fn cards_area(column: Rect) -> Rect {
    Rect {
        x: column.x,
        y: column.y + COLUMN_HEADER_H,
        w: column.w,
        h: column.h.saturating_sub(COLUMN_HEADER_H),
    }
}

/// How many cards fit in a column of this height (the last needs no gap).
pub fn cards_per_column(board_h: u16) -> usize {
    let h = board_h.saturating_sub(COLUMN_HEADER_H);
    (((h + 1) / CARD_H) as usize).max(1)
}

/// The overlay rectangle for the detail pane and help: most of the screen.
pub fn overlay(w: u16, h: u16) -> Rect {
    // A fraction of the size, computed wide: `w * 4` overflows a u16 from
    // 16,384 cells on.
    let part = |n: u16, num: u32, den: u32| u16::try_from(u32::from(n) * num / den).unwrap_or(n);
    let ow = if w >= 100 {
        part(w, 4, 5)
    } else {
        w.saturating_sub(2)
    }
    .max(1);
    let oh = if h >= 30 {
        part(h, 5, 6)
    } else {
        h.saturating_sub(2)
    }
    .max(1);
    Rect {
        x: w.saturating_sub(ow) / 2,
        y: h.saturating_sub(oh) / 2,
        w: ow,
        h: oh,
    }
}

/// Text area inside an overlay's border and one cell of padding.
pub fn overlay_inner(r: Rect) -> Rect {
    Rect {
        x: r.x + 2,
        y: r.y + 1,
        w: r.w.saturating_sub(4),
        h: r.h.saturating_sub(2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiny_terminals_are_refused_with_the_needed_size() {
        assert_eq!(
            screen(20, 5),
            Err(TooSmall {
                need_w: MIN_W,
                need_h: MIN_H
            })
        );
        assert!(screen(60, 20).is_ok());
    }

    #[test]
    fn columns_fill_the_width_with_one_cell_gaps() {
        let board = Rect {
            x: 0,
            y: 2,
            w: 120,
            h: 37,
        };
        let cols = column_rects(board, 9, 0);
        assert_eq!(cols.len(), 4);
        let last = cols.last().unwrap().rect;
        assert_eq!(last.x + last.w, 120);
        for pair in cols.windows(2) {
            assert_eq!(pair[0].rect.x + pair[0].rect.w + 1, pair[1].rect.x);
            assert!(pair[0].rect.w >= MIN_COLUMN_W);
        }
        // Scrolled to the end, only the remaining columns are laid out.
        let tail = column_rects(board, 9, 7);
        assert_eq!(tail.iter().map(|c| c.index).collect::<Vec<_>>(), vec![7, 8]);
        // One column, however narrow.
        assert_eq!(
            column_rects(
                Rect {
                    x: 0,
                    y: 0,
                    w: 30,
                    h: 10
                },
                1,
                0
            )
            .len(),
            1
        );
    }

    #[test]
    fn wider_terminals_show_more_or_wider_columns_and_everything_once_it_fits() {
        let at = |w: u16| {
            let board = Rect {
                x: 0,
                y: 2,
                w,
                h: 37,
            };
            let cols = column_rects(board, 9, 0);
            let narrowest = cols.iter().map(|c| c.rect.w).min().unwrap_or(0);
            (cols.len(), narrowest)
        };
        let (n120, w120) = at(120);
        assert_eq!((n120, w120), (4, 29));
        for w in 121..=400 {
            let (n, narrowest) = at(w);
            assert!(
                n == 9 || (n >= n120 && narrowest >= w120),
                "{w} columns: {n} of width {narrowest}"
            );
            assert!(narrowest >= MIN_COLUMN_W, "{w}");
        }
        // 200 columns: wider cards than at 120, and more of them.
        let (n200, w200) = at(200);
        assert!(n200 > n120 && w200 > w120, "{n200} x {w200}");
        // Every column once they fit at the minimum width, Closed included.
        assert_eq!(at(224).0, 9);
    }

    #[test]
    fn counts_become_cells_saturating() {
        assert_eq!(cells(0), 0);
        assert_eq!(cells(40_000), 40_000);
        assert_eq!(cells(65_535), u16::MAX);
        assert_eq!(cells(65_536), u16::MAX, "not 0");
        assert_eq!(cells(usize::MAX), u16::MAX);
    }

    #[test]
    fn the_largest_terminal_has_an_overlay_and_columns() {
        // `w * 4 / 5` overflowed a u16 from 16,384 cells on.
        let o = overlay(u16::MAX, u16::MAX);
        assert_eq!((o.w, o.h), (52_428, 54_612));
        assert_eq!(o.x + o.w + o.x, u16::MAX - 1);
        let scr = screen(u16::MAX, u16::MAX).unwrap();
        let cols = column_rects(scr.board, 5_000, 0);
        assert_eq!(cols.len(), 2_184);
        let last = cols.last().unwrap().rect;
        assert_eq!(last.x + last.w, u16::MAX);
        assert!(last.contains(u16::MAX - 1, u16::MAX - 2));
        assert_eq!(
            overlay(0, 0),
            Rect {
                x: 0,
                y: 0,
                w: 1,
                h: 1
            }
        );
    }

    #[test]
    fn cards_per_column_counts_whole_cards() {
        assert_eq!(cards_per_column(COLUMN_HEADER_H + CARD_LINES), 1);
        assert_eq!(cards_per_column(COLUMN_HEADER_H + CARD_H + CARD_LINES), 2);
        assert_eq!(cards_per_column(0), 1);
    }
}
