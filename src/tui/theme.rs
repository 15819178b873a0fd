//! Styles: what each part of the screen looks like. Uses the 16 ANSI colours
//! so it reads on any terminal and over SSH; `NO_COLOR` turns colour off
//! (selection then shows in reverse video).

use ratatui::style::{Color, Modifier, Style};

use crate::core::markdown::Emphasis;
use crate::core::state::Severity;

#[derive(Debug, Clone)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set (https://no-color.org).
    pub fn from_env() -> Self {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn plain(&self) -> Style {
        Style::new()
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn app(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn demo(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }
    pub fn tab(&self, active: bool) -> Style {
        match (active, self.color) {
            (true, true) => Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }
    pub fn column_title(&self, selected: bool) -> Style {
        if selected {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.bold()
        }
    }
    pub fn rule(&self, selected: bool) -> Style {
        if selected {
            self.fg(Color::Cyan)
        } else {
            self.dim()
        }
    }
    pub fn card(&self, selected: bool) -> Style {
        match (selected, self.color) {
            (true, true) => Style::new().bg(Color::DarkGray),
            (true, false) => Style::new().add_modifier(Modifier::REVERSED),
            (false, _) => Style::new(),
        }
    }
    pub fn bar(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn reference(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn flag(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn assignee(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn weight(&self) -> Style {
        self.fg(Color::Yellow)
    }
    pub fn priority(&self) -> Style {
        self.fg(Color::Magenta)
    }
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Info => self.plain(),
            Severity::Warning => self.fg(Color::Yellow),
            Severity::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }
    pub fn border(&self) -> Style {
        self.fg(Color::Cyan)
    }
    pub fn emphasis(&self, e: Emphasis) -> Style {
        match e {
            Emphasis::Plain => self.plain(),
            Emphasis::Strong => self.bold(),
            Emphasis::Italic => Style::new().add_modifier(Modifier::ITALIC),
            Emphasis::Code => self.fg(Color::Yellow),
            Emphasis::Heading => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Emphasis::Link => self.fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            Emphasis::Quote => self.dim().add_modifier(Modifier::ITALIC),
            Emphasis::Marker => self.dim(),
        }
    }

    /// `style` drawn on `base` (a selected row's background): patched, with
    /// a foreground that would not read on that background lifted to its
    /// bright twin (dim grey text on the grey selection, blue links).
    pub fn over(&self, style: Style, base: Style) -> Style {
        let s = style.patch(base);
        match (s.fg, s.bg) {
            (Some(fg), Some(bg)) if !readable(fg, bg) => s.fg(brighter(fg)),
            _ => s,
        }
    }
}

/// Dark colours of the 16-colour palette (as terminals draw them).
fn dark(c: Color) -> bool {
    matches!(
        c,
        Color::Black | Color::DarkGray | Color::Blue | Color::Red | Color::Magenta
    )
}

fn brighter(c: Color) -> Color {
    match c {
        Color::Black | Color::DarkGray => Color::Gray,
        Color::Blue => Color::LightBlue,
        Color::Red => Color::LightRed,
        Color::Magenta => Color::LightMagenta,
        Color::Green => Color::LightGreen,
        other => other,
    }
}

/// Whether text in `fg` reads on `bg`: never the same colour, no dark text
/// on a dark background, no pale text on a pale one. `Reset` is the
/// terminal's own pair, which reads by definition.
pub fn readable(fg: Color, bg: Color) -> bool {
    if fg == Color::Reset || bg == Color::Reset {
        return true;
    }
    if fg == bg {
        return false;
    }
    let pale = |c: Color| {
        matches!(
            c,
            Color::White
                | Color::Gray
                | Color::Yellow
                | Color::LightYellow
                | Color::LightCyan
                | Color::LightGreen
                | Color::Cyan
        )
    };
    !(dark(fg) && dark(bg) || pale(fg) && pale(bg))
}
