use super::*;

fn cut(text: &str, mode: &str, characters: usize) -> String {
    let (fitted, _) = fit_within(text, mode, characters, MAX_BYTES);
    fitted
}

#[test]
fn messages_within_the_limits_are_unchanged() {
    let exact = "a".repeat(MAX_CHARACTERS);
    assert_eq!(fit_message(&exact, ""), (exact.clone(), false));
    let markup = format!("<b>{exact}</b>");
    assert_eq!(fit_message(&markup, "HTML"), (markup.clone(), false));
    let (longer, cut) = fit_message(&format!("{exact}b"), "");
    assert!(cut);
    assert_eq!(longer, format!("{}…", "a".repeat(MAX_CHARACTERS - 1)));
}

#[test]
fn plain_text_counts_utf16_units() {
    assert_eq!(cut("héllo wörld", "", 5), "héll…");
    assert_eq!(cut("😀😀😀", "", 4), "😀…");
}

#[test]
fn html_is_cut_between_tokens_and_closed() {
    let cases = [
        ("<b>hello</b> world", 5, "<b>hell…</b>"),
        ("a &amp; b &lt;c&gt;", 4, "a &amp;…"),
        (r#"<a href="http://x/?a>b">link</a> tail"#, 3, r#"<a href="http://x/?a>b">li…</a>"#),
        ("<b><i>abcdef</i></b>", 4, "<b><i>abc…</i></b>"),
        ("<b>ab</b><i>cdef</i>", 4, "<b>ab</b><i>c…</i>"),
        (
            "<pre><code class=\"language-rust\">fn main()</code></pre>",
            4,
            "<pre><code class=\"language-rust\">fn …</code></pre>",
        ),
        ("x<tg-emoji emoji-id=\"1\">👍</tg-emoji>abc", 4, "x<tg-emoji emoji-id=\"1\">👍</tg-emoji>…"),
        ("a &#128512; &#x1F600;b", 6, "a &#128512; …"),
        ("1 < 2 & 3 > 0", 5, "1 < …"),
    ];
    for (text, characters, expected) in cases {
        assert_eq!(cut(text, "HTML", characters), expected, "{text}");
    }
}

#[test]
fn the_byte_limit_counts_markup() {
    let text = format!("<b>{}</b>", "<i>x</i>".repeat(100));
    let (fitted, cut) = fit_within(&text, "HTML", MAX_CHARACTERS, 60);
    assert!(cut && fitted.len() <= 60, "{fitted}");
    assert!(fitted.ends_with("…</b>") && fitted.starts_with("<b><i>x</i>"), "{fitted}");
}

#[test]
fn markdown_v2_is_cut_between_tokens_and_closed() {
    let cases = [
        ("*hello* world", 4, "*hel…*"),
        ("_ab __cdef__ g_", 5, "_ab __c…___"),
        ("__a _bcdef_ g__", 4, "__a _b…_\r__"),
        ("a\\_b\\_c", 3, "a\\_…"),
        ("`abc\\`def`", 5, "`abc\\`…`"),
        ("```python\nprint(1)\n```", 4, "```python\npri…```"),
        ("see [the docs](http://x/a\\)b) now", 8, "see …"),
        ("||spoiler|| ~gone~", 3, "||sp…||"),
        (">quoted line\n>second", 5, ">quot…"),
        ("**>abc\n>def||", 5, "**>abc\n>…||"),
        ("ok [a](http://x) ~strike~", 5, "ok [a](http://x)…"),
    ];
    for (text, characters, expected) in cases {
        assert_eq!(cut(text, "MarkdownV2", characters), expected, "{text}");
    }
}

#[test]
fn legacy_markdown_is_cut_between_tokens_and_closed() {
    let cases = [
        ("*bold text* and _it_", 4, "*bol…*"),
        ("a\\_b\\_c", 3, "a\\_…"),
        ("ab [link](http://x) tail", 3, "ab…"),
        ("```\ncode here```", 3, "```\nco…```"),
        ("_a\\b_", 5, "_a\\b_"),
    ];
    for (text, characters, expected) in cases {
        assert_eq!(cut(text, "Markdown", characters), expected, "{text}");
    }
}
