//! printf verbs and flags, with outputs taken from Go's fmt
//! (golang/go src/fmt/fmt_test.go).

use super::super::value::Value;
use super::*;

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn float(f: f64) -> Value {
    Value::Float(f)
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn check(cases: &[(&str, Vec<Value>, &str)]) {
    for (format, args, want) in cases {
        assert_eq!(sprintf(format, args), *want, "{format:?} {args:?}");
    }
}

#[test]
fn integers() {
    check(&[
        ("%d", vec![int(12345)], "12345"),
        ("%v", vec![int(-12345)], "-12345"),
        ("%+d", vec![int(12345)], "+12345"),
        ("% d", vec![int(12)], " 12"),
        ("%-6d|", vec![int(12)], "12    |"),
        ("%06d", vec![int(-12)], "-00012"),
        ("%.3d", vec![int(7)], "007"),
        ("%6.3d", vec![int(7)], "   007"),
        ("%.0d", vec![int(0)], ""),
        ("%x %X %#x", vec![int(255), int(255), int(255)], "ff FF 0xff"),
        ("%o %#o %O", vec![int(8), int(8), int(8)], "10 010 0o10"),
        ("%b", vec![int(5)], "101"),
        ("%c|%q|%U|%#U", vec![int(65), int(65), int(0x1F600), int(65)], "A|'A'|U+1F600|U+0041 'A'"),
    ]);
}

#[test]
fn strings() {
    check(&[
        ("%s|%v", vec![s("abc"), s("abc")], "abc|abc"),
        ("%5s|%-5s|", vec![s("abc"), s("abc")], "  abc|abc  |"),
        ("%.2s", vec![s("abcdef")], "ab"),
        ("%q", vec![s("a\"b\n")], "\"a\\\"b\\n\""),
        ("%#q", vec![s("a\"b")], "`a\"b`"),
        ("%x %X", vec![s("hi"), s("hi")], "6869 6869"),
        ("%05s", vec![s("ab")], "000ab"),
        ("%q", vec![s("é\u{1}")], "\"é\\x01\""),
    ]);
}

#[test]
fn floats() {
    check(&[
        ("%f", vec![float(1.23456)], "1.234560"),
        ("%.2f", vec![float(1.23456)], "1.23"),
        ("%8.3f|%-8.3f|", vec![float(1.23456), float(1.23456)], "   1.235|1.235   |"),
        ("%08.3f", vec![float(-1.23456)], "-001.235"),
        ("%+.1f|% .1f", vec![float(1.0), float(1.0)], "+1.0| 1.0"),
        ("%e|%E", vec![float(1234.5678), float(1234.5678)], "1.234568e+03|1.234568E+03"),
        ("%g|%g|%G", vec![float(1234.5678), float(1e21), float(1e-10)], "1234.5678|1e+21|1E-10"),
        ("%.3g", vec![float(1234.5678)], "1.23e+03"),
        ("%v|%v|%v", vec![float(0.000001), float(100000000.0), float(0.1)], "1e-06|1e+08|0.1"),
        ("%5.1f|%05.1f|%f", vec![float(f64::INFINITY), float(f64::INFINITY), float(f64::NAN)], " +Inf| +Inf|NaN"),
        ("%.2v", vec![float(1.23456)], "1.2"),
        ("%6.2f%%", vec![float(99.5)], " 99.50%"),
    ]);
}

#[test]
fn other_kinds() {
    let list = Value::list([int(1), int(2)]);
    let map = Value::map([("b", int(2)), ("a", int(1))]);
    check(&[
        ("%t|%v", vec![Value::Bool(true), Value::Bool(false)], "true|false"),
        ("%v|%d", vec![list.clone(), list], "[1 2]|[1 2]"),
        ("%q", vec![Value::list(["a", "b"])], "[\"a\" \"b\"]"),
        ("%v", vec![map], "map[a:1 b:2]"),
        ("%v|%d", vec![Value::Nil, Value::Nil], "<nil>|%!d(<nil>)"),
        (
            "%T|%T|%T|%T",
            vec![float(1.5), s("s"), Value::Nil, Value::list([int(1)])],
            "float64|string|<nil>|[]interface {}",
        ),
        ("%v", vec![Value::list([Value::Nil, int(1)])], "[<nil> 1]"),
    ]);
}

#[test]
fn complaints_match_go() {
    check(&[
        ("%s", vec![int(5)], "%!s(int=5)"),
        ("%d", vec![s("x")], "%!d(string=x)"),
        ("%d", vec![float(1.5)], "%!d(float64=1.5)"),
        ("%z", vec![int(1)], "%!z(int=1)"),
        ("%d", vec![], "%!d(MISSING)"),
        ("%d", vec![int(1), int(2), s("x")], "1%!(EXTRA int=2, string=x)"),
        ("abc%", vec![], "abc%!(NOVERB)"),
        ("100%%", vec![], "100%"),
        ("%!", vec![], "%!!(MISSING)"),
    ]);
}

#[test]
fn star_and_index_arguments() {
    check(&[
        ("%*d|%-*d|", vec![int(5), int(42), int(5), int(42)], "   42|42   |"),
        ("%.*f", vec![int(2), float(1.23456)], "1.23"),
        ("%*d", vec![s("x"), int(42)], "%!(BADWIDTH)42"),
        ("%[2]d %[1]d", vec![int(1), int(2)], "2 1"),
        ("%[3]d", vec![int(1)], "%!d(BADINDEX)"),
        ("%.*d", vec![int(10_000_000), int(1)], "%!(BADPREC)1"),
        ("%.9999999f|", vec![float(1.0)], "1|"),
    ]);
}

#[test]
fn print_and_println_spacing() {
    assert_eq!(sprint(&[s("a"), int(1), int(2), s("b")]), "a1 2b");
    assert_eq!(sprint(&[float(1.5), Value::Nil]), "1.5 <nil>");
    assert_eq!(sprintln(&[s("a"), int(1)]), "a 1\n");
    assert_eq!(display(&Value::Nil), "<no value>");
}

#[test]
fn quote_matches_strconv() {
    assert_eq!(quote("tab\there"), "\"tab\\there\"");
    assert_eq!(quote("\u{7f}\u{2028}😀"), "\"\\x7f\\u2028😀\"");
}

#[test]
fn random_formats_never_panic() {
    const PIECES: &[&str] = &[
        "%", "%%", "d", "s", "v", "q", "x", "X", "e", "g", "f", "c", "U", "T", "t", "*", "[", "]", "[1]", "[9]", ".",
        "0", "5", "-", "+", "#", " ", "é", "9999999", "b", "o", "O", "!",
    ];
    let args = [int(-42), float(-1.5e-7), float(f64::NAN), s("é\u{0}"), Value::Nil, Value::Bool(true), int(i64::MIN)];
    let mut state: u64 = 7;
    let mut next = |n: usize| {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize % n
    };
    for _ in 0..20_000 {
        let format: String = (0..1 + next(8)).map(|_| PIECES[next(PIECES.len())]).collect();
        let count = next(args.len() + 1);
        let _ = sprintf(&format, &args[..count]);
    }
}
