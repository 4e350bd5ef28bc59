//! The hotspot's `login.html` (`docs/routers.md`, RouterOS facts: *The login page*): the operator's
//! name, the voucher code, a password field for vouchers printed with a separate password (left
//! empty, the code is the password too) and a Buy link to the checkout.
//!
//! The router fills in `$(…)` variables before serving the page. The form works with both
//! login methods the profile enables: with `http-chap` (the router renders `chap-id`) the page
//! loads the router's own `/md5.js` and posts `hexMD5(chap-id + code + chap-challenge)` through
//! the hidden `sendin` form; without it, or if md5.js is missing, it posts the code in clear
//! (`http-pap`). The Buy link passes `$(mac-esc)`, `$(link-login-only-esc)` and
//! `$(link-orig-esc)` to the checkout, whose Connect button posts the code back to
//! `$(link-login-only)`; a `#code=…` fragment pre-fills the field.
//!
//! Operator text is HTML-escaped, `$` included (`&#36;`), so it can neither break the markup nor
//! reach the router's `$(…)` template engine. No external assets: inline CSS and script only.

use super::setup::SetupParams;

/// `text` safe in HTML text and double-quoted attributes, and inert for the hotspot's `$(…)`
/// templating.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '$' => out.push_str("&#36;"),
            c => out.push(c),
        }
    }
    out
}

/// The login page for the router's html directory (downloaded by the setup script from
/// [`SetupParams::login_page_url`]).
pub fn login_page(p: &SetupParams) -> String {
    let name = html_escape(&p.business_name);
    let joiner = if p.checkout_url.contains('?') {
        "&amp;"
    } else {
        "?"
    };
    let buy = format!(
        "{}{joiner}mac=$(mac-esc)&amp;login_url=$(link-login-only-esc)&amp;dst=$(link-orig-esc)",
        html_escape(&p.checkout_url)
    );
    // The operator's balance page sits beside the router's checkout: `/checkout/<op>/balance`
    // (the walled garden already lets a device that is not logged in reach it).
    let path = p.checkout_url.split('?').next().unwrap_or_default();
    let balance = html_escape(&format!(
        "{}/balance",
        path.rsplit_once('/').map_or(path, |(base, _)| base)
    ));
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="pragma" content="no-cache">
<meta http-equiv="expires" content="-1">
<title>{name} WiFi</title>
<style>
body{{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1d2330}}
main{{max-width:24rem;margin:0 auto;padding:2rem 1.25rem}}
h1{{font-size:1.5rem;margin:0 0 .25rem}}
p{{margin:.25rem 0 1.25rem;color:#555}}
label{{display:block;font-weight:600;margin-bottom:.5rem}}
.pw{{margin-top:1rem}}
small{{font-weight:400;color:#555}}
input{{box-sizing:border-box;width:100%;font-size:1.25rem;padding:.75rem;border:1px solid #b8bfcc;border-radius:.5rem;text-transform:uppercase;letter-spacing:.1em}}
button,.buy{{display:block;box-sizing:border-box;width:100%;margin-top:1rem;padding:.8rem;border:0;border-radius:.5rem;font-size:1.1rem;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}}
button{{background:#1f6feb;color:#fff}}
.buy{{background:#fff;color:#1f6feb;border:2px solid #1f6feb}}
.error{{background:#fde8e8;color:#9b1c1c;padding:.75rem;border-radius:.5rem}}
.more{{text-align:center;margin-top:1rem}}.more a{{color:#1f6feb}}
</style>
</head>
<body>
$(if chap-id)
<form name="sendin" action="$(link-login-only)" method="post" style="display:none">
<input type="hidden" name="username">
<input type="hidden" name="password">
<input type="hidden" name="dst" value="$(link-orig)">
</form>
<script src="/md5.js"></script>
$(endif)
<main>
<h1>{name}</h1>
<p>Enter your voucher code to go online.</p>
$(if error)<p class="error">$(error)</p>$(endif)
<form name="login" action="$(link-login-only)" method="post" onsubmit="return tiketiLogin()">
<input type="hidden" name="username">
<input type="hidden" name="password">
<input type="hidden" name="dst" value="$(link-orig)">
<label for="code">Voucher code</label>
<input id="code" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false" required>
<label for="pw" class="pw">Password <small>(only if your voucher has one)</small></label>
<input id="pw" autocomplete="off" autocapitalize="characters" autocorrect="off" spellcheck="false">
<button type="submit">Connect</button>
</form>
<a class="buy" href="{buy}">Buy a voucher</a>
<p class="more"><a href="{balance}">Check my balance</a></p>
<noscript><p>Please enable JavaScript to connect.</p></noscript>
</main>
<script>
function tiketiLogin() {{
  var clean = function (id) {{ return document.getElementById(id).value.replace(/[\s-]+/g, '').toUpperCase(); }};
  var code = clean('code');
  if (!code) return false;
  var password = clean('pw') || code;
  var s = document.sendin;
  if (s && typeof hexMD5 === 'function') {{
    s.username.value = code;
    s.password.value = hexMD5('$(chap-id)' + password + '$(chap-challenge)');
    s.submit();
    return false;
  }}
  var f = document.login;
  f.username.value = code;
  f.password.value = password;
  return true;
}}
var m = /[#&]code=([A-Za-z0-9-]+)/.exec(location.hash);
if (m) document.getElementById('code').value = m[1];
</script>
</body>
</html>
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_templating() {
        assert_eq!(
            html_escape(r#"<b>"Joe's" & $(link-login)</b>"#),
            "&lt;b&gt;&quot;Joe&#39;s&quot; &amp; &#36;(link-login)&lt;/b&gt;"
        );
        assert_eq!(html_escape("Café"), "Café");
    }
}
