use super::*;
use crate::alertmanager::notify::smtp::{dot_stuff, hmac_md5};

#[test]
fn quoted_printable_matches_go() {
    let cases = [
        ("hello world", "hello world".to_string()),
        ("a=b", "a=3Db".to_string()),
        ("trailing \nnext\ttab\t", "trailing=20\r\nnext\ttab=09".to_string()),
        ("crlf\r\nlf\ncr\rend", "crlf\r\nlf\r\ncr\r\nend".to_string()),
        ("é!", "=C3=A9!".to_string()),
        (&"a".repeat(100), format!("{}=\r\n{}", "a".repeat(75), "a".repeat(25))),
        (&format!("{}é", "a".repeat(73)), format!("{}=\r\n=C3=A9", "a".repeat(73))),
    ];
    for (text, expected) in cases {
        assert_eq!(quoted_printable(text), expected, "{text:?}");
    }
}

#[test]
fn headers_are_q_encoded_like_go() {
    assert_eq!(q_encode("[FIRING:1] Disk full (db1)"), "[FIRING:1] Disk full (db1)");
    assert_eq!(q_encode("Ünïcode"), "=?utf-8?q?=C3=9Cn=C3=AFcode?=");
    assert_eq!(q_encode("é a_b=c?"), "=?utf-8?q?=C3=A9_a=5Fb=3Dc=3F?=");
    let word = format!("=?utf-8?q?{}?=", "=C3=A9".repeat(10));
    assert_eq!(q_encode(&"é".repeat(25)), format!("{word} {word} =?utf-8?q?{}?=", "=C3=A9".repeat(5)));
    assert_eq!(q_encode("line\nbreak"), "=?utf-8?q?line=0Abreak?=");
}

#[test]
fn multipart_bodies_match_go() {
    let parts =
        [("text/plain; charset=UTF-8", "hi".to_string()), ("text/html; charset=UTF-8", "<p>x=1</p>".to_string())];
    let expected = concat!(
        "--B\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nhi",
        "\r\n--B\r\nContent-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>x=3D1</p>",
        "\r\n--B--\r\n"
    );
    assert_eq!(multipart("B", &parts), expected);
    assert_eq!(multipart("B", &[]), "\r\n--B--\r\n");
    let boundary = random_boundary();
    assert!(boundary.len() == 60 && boundary.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(boundary, random_boundary());
}

#[test]
fn address_lists_parse_common_forms() {
    assert_eq!(parse_address_list("Alertmanager <am@example.org>").unwrap(), ["am@example.org"]);
    let list = r#"a@x.org, "Doe, John" <j@x.org>,(ops team) c@x.org , Ünï <u@x.org>"#;
    assert_eq!(parse_address_list(list).unwrap(), ["a@x.org", "j@x.org", "c@x.org", "u@x.org"]);
    let errors = [
        ("", "mail: no address"),
        ("nope", "mail: missing @ in addr-spec"),
        ("a@x.org,", "mail: no address"),
        ("x <a@b", "mail: unclosed angle-addr"),
        ("\"open <a@b>", "mail: unclosed quoted-string"),
        ("a b@x.org", "mail: invalid addr-spec \"a b@x.org\""),
    ];
    for (list, error) in errors {
        assert_eq!(parse_address_list(list).unwrap_err(), error, "{list}");
    }
}

#[test]
fn data_is_dot_stuffed_and_terminated() {
    assert_eq!(dot_stuff(b"a\r\n.b\n..c"), b"a\r\n..b\r\n...c\r\n.\r\n");
    assert_eq!(dot_stuff(b"done\r\n"), b"done\r\n.\r\n");
}

#[test]
fn cram_md5_uses_hmac_md5() {
    let hex = |bytes: [u8; 16]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(hmac_md5(&[0x0b; 16], b"Hi There")), "9294727a3638bb1c13f48ef8158bfc9d");
    let rfc2195 = hmac_md5(b"tanstaaftanstaaf", b"<1896.697170952@postoffice.reston.mci.net>");
    assert_eq!(hex(rfc2195), "b913a602c7eda7a495b4e6e7334d3890");
}
