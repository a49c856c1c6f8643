//! What every example's `Variant` enum is: a closed list of names for the
//! command line (`--variant NAME`), in the order `--all` and `--build` take
//! them, with aliases and one error message that lists them all.
//!
//! Declared with [`variants!`](crate::variants), which writes the enum, its
//! `ALL`, `name`, `aliases`, `Display` and `FromStr`:
//!
//! ```
//! use stagecraft_workshop::fortune::Variant;
//!
//! assert_eq!(Variant::ALL[0].name(), "naive");
//! assert_eq!("minimal".parse::<Variant>(), Ok(Variant::Scratch));
//! assert_eq!(Variant::Scratch.to_string(), "scratch");
//! let error = "tiny".parse::<Variant>().unwrap_err();
//! assert_eq!(
//!     error,
//!     "unknown fortune variant \"tiny\": choose naive, multistage (alias multi-stage), \
//!      scratch (alias minimal) or scratch-listed"
//! );
//! ```

/// The message for a name no variant has: `unknown EXAMPLE variant "NAME":
/// choose a, b (alias c) or d`, then the example's `hint` if it has one.
pub fn unknown_variant(
    example: &str,
    name: &str,
    variants: &[(&str, &[&str])],
    hint: Option<&str>,
) -> String {
    let choices: Vec<String> = variants
        .iter()
        .map(|(name, aliases)| match aliases {
            [] => (*name).to_string(),
            aliases => format!("{name} (alias {})", aliases.join(", ")),
        })
        .collect();
    let choices = match choices.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    };
    let hint = hint.map(|hint| format!("; {hint}")).unwrap_or_default();
    format!("unknown {example} variant {name:?}: choose {choices}{hint}")
}

/// What code shared by the examples needs of any example's `Variant`
/// (implemented by [`variants!`](crate::variants)).
///
/// ```
/// use stagecraft_workshop::fortune::Variant;
/// use stagecraft_workshop::variant::WorkshopVariant;
///
/// fn names<V: WorkshopVariant>(all: &[V]) -> Vec<&'static str> {
///     all.iter().map(|variant| WorkshopVariant::name(*variant)).collect()
/// }
/// assert_eq!(names(&Variant::ALL)[3], "scratch-listed");
/// ```
pub trait WorkshopVariant: Copy + PartialEq + std::fmt::Display {
    /// The variant's name on the command line.
    fn name(self) -> &'static str;
}

/// Declares an example's `Variant`: each variant with its doc comment, its
/// command-line name and aliases, in the order of `Variant::ALL`.
///
/// ```ignore
/// variants! {
///     example: "fortune",
///     /// The fortune images.
///     pub enum Variant {
///         /// One stage.
///         Naive => "naive",
///         /// From scratch.
///         Scratch => "scratch" | "minimal",
///     }
/// }
/// ```
///
/// An optional `hint: "..."` after `example` is appended to the error for
/// an unknown name.
#[macro_export]
macro_rules! variants {
    (
        example: $example:literal,
        $(hint: $hint:literal,)?
        $(#[$meta:meta])*
        pub enum Variant {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident => $name:literal $(| $alias:literal)*
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Variant {
            $(
                $(#[$variant_meta])*
                $variant,
            )+
        }

        impl Variant {
            /// Every variant, in the order `--all` and `--build` take them.
            pub const ALL: [Variant; [$($name),+].len()] = [$(Variant::$variant),+];

            /// The variant's name on the command line.
            pub fn name(self) -> &'static str {
                match self {
                    $(Variant::$variant => $name,)+
                }
            }

            /// Its other names on the command line.
            pub fn aliases(self) -> &'static [&'static str] {
                match self {
                    $(Variant::$variant => &[$($alias),*],)+
                }
            }
        }

        impl $crate::variant::WorkshopVariant for Variant {
            fn name(self) -> &'static str {
                Variant::name(self)
            }
        }

        impl ::std::fmt::Display for Variant {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for Variant {
            type Err = String;
            fn from_str(name: &str) -> Result<Self, String> {
                Variant::ALL
                    .into_iter()
                    .find(|variant| variant.name() == name || variant.aliases().contains(&name))
                    .ok_or_else(|| {
                        $crate::variant::unknown_variant(
                            $example,
                            name,
                            &Variant::ALL.map(|variant| (variant.name(), variant.aliases())),
                            None $(.or(Some($hint)))?,
                        )
                    })
            }
        }
    };
}
