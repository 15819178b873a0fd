//! Styles: what each part of the screen looks like. Uses the 16 ANSI colours
//! so it reads on any terminal and over SSH, in a dark and a light palette
//! (chosen by `theme = "dark" | "light" | "auto"`: auto asks the terminal
//! for its background, briefly, and takes dark when it does not answer);
//! `[theme.styles]` overrides single styles; `NO_COLOR` turns colour off
//! whatever the config says (selection then shows in reverse video).

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};

use crate::core::app::status::Severity;
use crate::core::domain::markdown::Emphasis;

/// The `theme` setting: a palette, or the one the terminal's background
/// asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(try_from = "String")]
pub enum ThemeChoice {
    Dark,
    Light,
    /// Ask the terminal (the default).
    #[default]
    Auto,
}

impl TryFrom<String> for ThemeChoice {
    type Error = String;

    fn try_from(s: String) -> Result<ThemeChoice, String> {
        match s.as_str() {
            "dark" => Ok(ThemeChoice::Dark),
            "light" => Ok(ThemeChoice::Light),
            "auto" => Ok(ThemeChoice::Auto),
            _ => Err(format!("theme = {s:?}: dark, light or auto")),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub color: bool,
    /// The light palette (dark text on a light background).
    pub light: bool,
    /// `[theme.styles]`: a style's name and what replaces it.
    pub overrides: BTreeMap<String, Style>,
    /// `theme = "auto"`: the palette is this terminal's last known one (or
    /// dark) until the terminal says, after the first frame.
    pub ask: bool,
}

/// The names `[theme.styles]` overrides.
pub const STYLE_NAMES: [&str; 14] = [
    "accent",
    "selection",
    "dim",
    "reference",
    "flag",
    "assignee",
    "weight",
    "priority",
    "warning",
    "error",
    "code",
    "link",
    "heading",
    "border",
];

/// A style from the config: colour names (`blue`, `light-red`, `#3366ff`,
/// `on gray` for a background) and `bold` / `italic` / `underlined` /
/// `dim`, space-separated.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(w) = words.next() {
        match w.to_lowercase().as_str() {
            "bold" => style = style.add_modifier(Modifier::BOLD),
            "italic" => style = style.add_modifier(Modifier::ITALIC),
            "underlined" | "underline" => style = style.add_modifier(Modifier::UNDERLINED),
            "dim" => style = style.add_modifier(Modifier::DIM),
            "on" => {
                let c = words.next().ok_or("`on` needs a colour after it")?;
                style = style.bg(color(c)?);
            }
            _ => style = style.fg(color(w)?),
        }
    }
    Ok(style)
}

fn color(name: &str) -> Result<Color, String> {
    name.replace('-', " ")
        .parse::<Color>()
        .map_err(|_| format!("{name:?} is not a colour (black, red, green, yellow, blue, magenta, cyan, gray, dark-gray, light-red, ..., white, or #rrggbb)"))
}

impl Theme {
    /// The dark palette, colour unless `NO_COLOR` is set (https://no-color.org).
    pub fn from_env() -> Self {
        Theme {
            color: no_color_unset(),
            ..Theme::default()
        }
    }

    pub fn new(color: bool, light: bool) -> Self {
        Theme {
            color,
            light,
            overrides: BTreeMap::new(),
            ask: false,
        }
    }

    /// The theme the config asks for: dark, light or auto
    /// (`remembered`: what this kind of terminal said when last asked; it
    /// is asked again after the first frame, see [`Theme::ask`], unless it
    /// did not answer then); `NO_COLOR` wins over both.
    pub fn chosen(
        choice: ThemeChoice,
        overrides: BTreeMap<String, Style>,
        remembered: impl FnOnce() -> Option<Palette>,
    ) -> Self {
        let color = no_color_unset();
        let (light, ask) = match choice {
            ThemeChoice::Light => (true, false),
            ThemeChoice::Dark => (false, false),
            _ if !color => (false, false),
            _ => match remembered() {
                Some(Palette::Silent) => (false, false),
                Some(Palette::Light) => (true, true),
                Some(Palette::Dark) | None => (false, true),
            },
        };
        Theme {
            color,
            light,
            overrides: if color { overrides } else { BTreeMap::new() },
            ask,
        }
    }

    /// A style by name: the override, else `base`.
    fn named(&self, name: &str, base: Style) -> Style {
        match self.overrides.get(name) {
            Some(o) if self.color => base.patch(*o),
            _ => base,
        }
    }

    /// The palette's accent (titles, borders, references).
    fn accent_color(&self) -> Color {
        if self.light { Color::Blue } else { Color::Cyan }
    }

    fn warm(&self) -> Color {
        // Yellow does not read on white.
        if self.light {
            Color::Magenta
        } else {
            Color::Yellow
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
        let base = if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        };
        self.named("dim", base)
    }
    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }
    pub fn app(&self) -> Style {
        self.named(
            "accent",
            self.fg(self.accent_color()).add_modifier(Modifier::BOLD),
        )
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
                .fg(if self.light {
                    Color::White
                } else {
                    Color::Black
                })
                .bg(self.accent_color())
                .add_modifier(Modifier::BOLD),
            (true, false) => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }
    pub fn column_title(&self, selected: bool) -> Style {
        if selected {
            self.fg(self.accent_color()).add_modifier(Modifier::BOLD)
        } else {
            self.bold()
        }
    }
    pub fn rule(&self, selected: bool) -> Style {
        if selected {
            self.fg(self.accent_color())
        } else {
            self.dim()
        }
    }
    pub fn card(&self, selected: bool) -> Style {
        match (selected, self.color) {
            (true, true) => {
                let s = self.named(
                    "selection",
                    Style::new().bg(if self.light {
                        Color::Gray
                    } else {
                        Color::DarkGray
                    }),
                );
                // A background from the config (`on light-blue`) with no
                // colour for the text: the text in one that reads on it,
                // not the terminal's own (white on light blue).
                match (s.fg, s.bg) {
                    (None | Some(Color::Reset), Some(bg))
                        if self.overrides.contains_key("selection") =>
                    {
                        s.fg(text_on(bg).unwrap_or(if self.light {
                            Color::Black
                        } else {
                            Color::White
                        }))
                    }
                    _ => s,
                }
            }
            (true, false) => Style::new().add_modifier(Modifier::REVERSED),
            (false, _) => Style::new(),
        }
    }
    pub fn bar(&self) -> Style {
        self.fg(self.accent_color()).add_modifier(Modifier::BOLD)
    }
    pub fn reference(&self) -> Style {
        self.named("reference", self.fg(self.accent_color()))
    }
    pub fn flag(&self) -> Style {
        self.named("flag", self.fg(Color::Red).add_modifier(Modifier::BOLD))
    }
    pub fn assignee(&self) -> Style {
        self.named("assignee", self.fg(Color::Green))
    }
    pub fn weight(&self) -> Style {
        self.named("weight", self.fg(self.warm()))
    }
    pub fn priority(&self) -> Style {
        let c = if self.light {
            Color::Red
        } else {
            Color::Magenta
        };
        self.named("priority", self.fg(c))
    }
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Info => self.plain(),
            Severity::Warning => self.named("warning", self.fg(self.warm())),
            Severity::Error => {
                self.named("error", self.fg(Color::Red).add_modifier(Modifier::BOLD))
            }
        }
    }
    pub fn border(&self) -> Style {
        self.named("border", self.fg(self.accent_color()))
    }
    pub fn emphasis(&self, e: Emphasis) -> Style {
        match e {
            Emphasis::Plain => self.plain(),
            Emphasis::Strong => self.bold(),
            Emphasis::Italic => Style::new().add_modifier(Modifier::ITALIC),
            Emphasis::Code => self.named("code", self.fg(self.warm())),
            Emphasis::Heading => self.named(
                "heading",
                self.fg(self.accent_color()).add_modifier(Modifier::BOLD),
            ),
            Emphasis::Link => self.named(
                "link",
                self.fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            ),
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

/// Black or white, whichever reads on `bg`; `None` for a colour whose
/// lightness is not known (an indexed one, the terminal's own).
fn text_on(bg: Color) -> Option<Color> {
    // Relative luminance, 0 to 1, of the palette as xterm draws it.
    let lum = match bg {
        Color::Rgb(r, g, b) => {
            (0.2126 * f32::from(r) + 0.7152 * f32::from(g) + 0.0722 * f32::from(b)) / 255.0
        }
        Color::Black => 0.0,
        Color::Blue => 0.08,
        Color::Red | Color::Magenta => 0.2,
        Color::DarkGray => 0.25,
        Color::Green => 0.35,
        Color::LightRed | Color::LightMagenta => 0.5,
        Color::Cyan | Color::Yellow | Color::LightBlue => 0.55,
        Color::Gray => 0.7,
        Color::LightGreen | Color::LightCyan | Color::LightYellow | Color::White => 0.9,
        _ => return None,
    };
    Some(if lum >= 0.45 {
        Color::Black
    } else {
        Color::White
    })
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

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether text in `fg` reads on `bg` on a terminal with a light (`light`)
/// or dark background: the terminal's own colours (`Reset`) are those.
pub fn readable_on(fg: Color, bg: Color, light: bool) -> bool {
    let (dfg, dbg) = if light {
        (Color::Black, Color::White)
    } else {
        (Color::White, Color::Black)
    };
    let fg = if fg == Color::Reset { dfg } else { fg };
    let bg = if bg == Color::Reset { dbg } else { bg };
    if fg == dfg && bg == dbg {
        return true;
    }
    readable(fg, bg)
}

/// This terminal's kind, for remembering its palette: `$TERM` and
/// `$TERM_PROGRAM` (a multiplexer or SSH keeps them).
fn terminal_kind() -> String {
    let var = |v: &str| std::env::var(v).unwrap_or_default();
    format!("{}|{}", var("TERM"), var("TERM_PROGRAM"))
}

/// Where the palettes terminals said are kept: the state directory.
fn palettes_file() -> Option<std::path::PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "glboard")?;
    Some(dirs.state_dir()?.join("palettes"))
}

/// What a kind of terminal said when it was last asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    Light,
    Dark,
    /// It did not answer in time: not asked again (a console, a serial
    /// line, some multiplexers), and dark.
    Silent,
}

impl Palette {
    fn word(self) -> &'static str {
        match self {
            Palette::Light => "light",
            Palette::Dark => "dark",
            Palette::Silent => "silent",
        }
    }
}

/// What this kind of terminal said when it was last asked.
pub fn remembered_palette() -> Option<Palette> {
    let text = std::fs::read_to_string(palettes_file()?).ok()?;
    let kind = terminal_kind();
    text.lines().find_map(|l| {
        let (k, v) = l.rsplit_once('\t')?;
        (k == kind).then_some(match v {
            "light" => Palette::Light,
            "silent" => Palette::Silent,
            _ => Palette::Dark,
        })
    })
}

/// Remember what this kind of terminal said (best effort: a start that
/// cannot write it asks again next time).
pub fn remember_palette(said: Palette) {
    let Some(path) = palettes_file() else {
        return;
    };
    let kind = terminal_kind();
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let mut text: String = old
        .lines()
        .filter(|l| l.rsplit_once('\t').is_some_and(|(k, _)| k != kind))
        .map(|l| format!("{l}\n"))
        .collect();
    text.push_str(&format!("{kind}\t{}\n", said.word()));
    if let Some(dir) = path.parent() {
        let _ = crate::fsutil::create_private_dir(dir);
    }
    // Written aside, then renamed over: a reader sees the old or the new.
    let aside = path.with_extension(format!("new-{}", std::process::id()));
    let _ = std::fs::remove_file(&aside);
    if crate::fsutil::write_private(&aside, text.as_bytes()).is_ok() {
        let _ = std::fs::rename(&aside, &path);
    }
}

/// Ask the terminal whether its background is light (OSC 11), within
/// `timeout`; `None` when it does not say (not a terminal, `TERM=dumb`, no
/// answer in time, as over a slow SSH link).
pub fn terminal_is_light(timeout: std::time::Duration) -> Option<bool> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        return None;
    }
    let mut options = terminal_colorsaurus::QueryOptions::default();
    options.timeout = timeout;
    match terminal_colorsaurus::theme_mode(options) {
        Ok(terminal_colorsaurus::ThemeMode::Light) => Some(true),
        Ok(terminal_colorsaurus::ThemeMode::Dark) => Some(false),
        Err(e) => {
            tracing::debug!(error = %e, "the terminal did not say its background");
            None
        }
    }
}
