//! The landing page's and the 404 page's texts, in English and Swahili (their own table, apart
//! from the customer pages' texts in `i18n`). Facts stated here come from the documentation:
//! routers and RouterOS from `docs/routers.md`, payments from `docs/pesapal.md` and
//! `docs/portal.md`; the plans, prices and limits are never written here but read from the
//! plan catalogue.

use serde_json::{Map, Value, json};
use tiketi_core::domain::plan::{Feature, Limit};

use crate::http::i18n::Lang;

/// [English, Swahili]
type Pair = [&'static str; 2];

/// One-line texts, for the templates as `t.<key>`. `{days}` is replaced by the free trial's
/// length.
const TEXTS: &[(&str, Pair)] = &[
    (
        "title",
        [
            "Tiketi: sell WiFi vouchers on your MikroTik hotspot",
            "Tiketi: uza vocha za WiFi kwenye hotspot yako ya MikroTik",
        ],
    ),
    (
        "description",
        [
            "Sell WiFi vouchers on your MikroTik hotspot: customers pay by M-Pesa, Airtel Money \
             or card through Pesapal and get a voucher within seconds.",
            "Uza vocha za WiFi kwenye hotspot yako ya MikroTik: wateja hulipa kwa M-Pesa, \
             Airtel Money au kadi kupitia Pesapal na kupata vocha ndani ya sekunde chache.",
        ],
    ),
    ("other_language", ["Kiswahili", "English"]),
    ("nav_how", ["How it works", "Jinsi inavyofanya kazi"]),
    ("nav_features", ["Features", "Huduma"]),
    ("nav_pricing", ["Pricing", "Bei"]),
    ("nav_faq", ["Questions", "Maswali"]),
    ("log_in", ["Log in", "Ingia"]),
    ("sign_up", ["Sign up", "Jisajili"]),
    (
        "eyebrow",
        [
            "For WiFi hotspot operators in Kenya",
            "Kwa wenye hotspot za WiFi nchini Kenya",
        ],
    ),
    (
        "hero_title",
        [
            "Sell WiFi vouchers on your MikroTik hotspot",
            "Uza vocha za WiFi kwenye hotspot yako ya MikroTik",
        ],
    ),
    (
        "hero_text",
        [
            "Customers pay by M-Pesa, Airtel Money or card through Pesapal and get their \
             voucher within seconds, right from the hotspot's login page. Sell printed \
             vouchers through agents too, and follow every sale on one dashboard.",
            "Wateja hulipa kwa M-Pesa, Airtel Money au kadi kupitia Pesapal na kupata vocha \
             yao ndani ya sekunde chache, moja kwa moja kutoka ukurasa wa kuingia wa hotspot. \
             Uza pia vocha zilizochapishwa kupitia mawakala, na ufuatilie mauzo yote kwenye \
             dashibodi moja.",
        ],
    ),
    ("start", ["Start free", "Anza bure"]),
    (
        "trial",
        [
            "Every plan starts with a free trial of {days} days.",
            "Kila mpango huanza na siku {days} za majaribio bila malipo.",
        ],
    ),
    ("how_title", ["How it works", "Jinsi inavyofanya kazi"]),
    ("features_title", ["What you get", "Unachopata"]),
    ("pricing_title", ["Plans and prices", "Mipango na bei"]),
    (
        "pricing_intro",
        [
            "Every plan has online sales, printed vouchers, automatic expiry, the dashboard \
             and reports. Plans differ in how much you run and in their extras.",
            "Kila mpango una mauzo ya mtandaoni, vocha zilizochapishwa, muda unaoisha \
             wenyewe, dashibodi na ripoti. Mipango inatofautiana kwa ukubwa wa biashara na kwa \
             huduma za ziada.",
        ],
    ),
    ("per_month", ["a month", "kwa mwezi"]),
    ("choose", ["Choose", "Chagua"]),
    ("included", ["included", "imo"]),
    ("not_included", ["not included", "haimo"]),
    (
        "testimonials_title",
        ["What operators say", "Wanachosema wenye hotspot"],
    ),
    (
        "faq_title",
        [
            "Questions operators ask",
            "Maswali ambayo wenye hotspot huuliza",
        ],
    ),
    (
        "cta_title",
        ["Ready to sell WiFi?", "Uko tayari kuuza WiFi?"],
    ),
    (
        "cta_text",
        [
            "Sign up, add your MikroTik and sell your first voucher today.",
            "Jisajili, ongeza MikroTik yako na uuze vocha yako ya kwanza leo.",
        ],
    ),
    (
        "footer",
        [
            "Tiketi: WiFi vouchers for MikroTik hotspots in Kenya",
            "Tiketi: vocha za WiFi kwa hotspot za MikroTik nchini Kenya",
        ],
    ),
    ("not_found_title", ["Page not found", "Ukurasa haupatikani"]),
    (
        "not_found_text",
        [
            "There is no page at this address. Check the link, or start again from the home \
             page.",
            "Hakuna ukurasa kwenye anwani hii. Angalia kiungo, au anza tena kutoka ukurasa wa \
             mwanzo.",
        ],
    ),
    ("home", ["Go to the home page", "Nenda ukurasa wa mwanzo"]),
    (
        "buying_wifi",
        [
            "Buying WiFi? Connect to the hotspot's network: its login page opens, with a \
             button to buy a voucher.",
            "Unanunua WiFi? Unganisha simu yako kwenye mtandao wa hotspot: ukurasa wake wa \
             kuingia utafunguka, ukiwa na kitufe cha kununua vocha.",
        ],
    ),
];

/// (title, text) of each step of "How it works".
const STEPS: &[(Pair, Pair)] = &[
    (
        ["Sign up", "Jisajili"],
        [
            "Open your business account in a minute: business name, e-mail, phone number and \
             a password.",
            "Fungua akaunti ya biashara yako kwa dakika moja: jina la biashara, barua pepe, \
             nambari ya simu na nenosiri.",
        ],
    ),
    (
        ["Add your MikroTik", "Ongeza MikroTik yako"],
        [
            "Enter the router's details and download its setup script. Import it on the \
             router once: hotspot, login page with a Buy button, walled garden and a sync \
             every minute are set up for you.",
            "Weka maelezo ya ruta na upakue skripti yake ya kuiweka tayari. Iingize kwenye \
             ruta mara moja tu: hotspot, ukurasa wa kuingia wenye kitufe cha kununua, walled \
             garden na usawazishaji wa kila dakika vinawekwa kwa ajili yako.",
        ],
    ),
    (
        ["Set your packages", "Weka vifurushi vyako"],
        [
            "Time or data packages at your prices, with their speed limit, validity and \
             number of devices at once.",
            "Vifurushi vya muda au data kwa bei zako, pamoja na kasi, muda wa kutumika na \
             idadi ya vifaa kwa wakati mmoja.",
        ],
    ),
    (
        [
            "Customers pay by M-Pesa and get online",
            "Wateja hulipa kwa M-Pesa na kuingia mtandaoni",
        ],
        [
            "On the hotspot's login page they tap Buy, pay on Pesapal's page, and get their \
             voucher with a Connect button within seconds.",
            "Kwenye ukurasa wa kuingia wa hotspot wanabonyeza Nunua, wanalipa kwenye ukurasa \
             wa Pesapal, na ndani ya sekunde chache wanapata vocha yao pamoja na kitufe cha \
             kuunganisha.",
        ],
    ),
];

/// (title, text) of each feature.
const FEATURES: &[(Pair, Pair)] = &[
    (
        ["Online sales by M-Pesa", "Mauzo ya mtandaoni kwa M-Pesa"],
        [
            "Customers pay by M-Pesa, Airtel Money or card through Pesapal, into your own \
             Pesapal account, and get a voucher within seconds. A customer who closed the \
             page finds the voucher again with their phone number and M-Pesa code.",
            "Wateja hulipa kwa M-Pesa, Airtel Money au kadi kupitia Pesapal, moja kwa moja \
             kwenye akaunti yako ya Pesapal, na kupata vocha ndani ya sekunde chache. Mteja \
             aliyefunga ukurasa huipata vocha yake tena kwa nambari yake ya simu na msimbo wa \
             M-Pesa.",
        ],
    ),
    (
        [
            "Printed vouchers with QR codes",
            "Vocha zilizochapishwa zenye msimbo wa QR",
        ],
        [
            "Generate up to 10,000 vouchers at a time and print them as PDF: A4 sheets or \
             58 and 80 mm thermal rolls. Scanning a voucher's QR code logs the phone in.",
            "Tengeneza hadi vocha 10,000 kwa mara moja na uzichapishe kama PDF: karatasi za A4 \
             au karatasi za thermal za mm 58 na 80. Mteja akiskani msimbo wa QR wa vocha, simu \
             yake inaingia mtandaoni.",
        ],
    ),
    (
        ["Agents", "Mawakala"],
        [
            "Agents sell your printed vouchers for cash, on a commission you set. Each \
             voucher sold is recorded once, and you see what every agent holds for you.",
            "Mawakala huuza vocha zako zilizochapishwa kwa pesa taslimu, kwa kamisheni \
             unayoweka. Kila vocha inayouzwa hurekodiwa mara moja tu, na unaona kiasi ambacho \
             kila wakala anakushikilia.",
        ],
    ),
    (
        ["Automatic expiry", "Muda unaisha wenyewe"],
        [
            "A voucher's validity starts at its first login. The router itself enforces its \
             time and data, and Tiketi takes it off the router once its validity is over. \
             Printed batches can have a use-by day.",
            "Muda wa vocha huanza inapotumika mara ya kwanza. Ruta yenyewe husimamia kikomo \
             chake cha muda na data, na Tiketi huiondoa kwenye ruta muda wake wa kutumika \
             ukiisha. Vocha zilizochapishwa zinaweza kuwa na tarehe ya mwisho ya kutumika.",
        ],
    ),
    (
        ["Sales dashboard", "Dashibodi ya mauzo"],
        [
            "Revenue today, this week and this month; sales by package, router, agent and \
             channel, net of Pesapal fees and commissions, with CSV downloads.",
            "Mapato ya leo, wiki hii na mwezi huu; mauzo kwa kifurushi, ruta, wakala na njia \
             ya mauzo, baada ya kutoa ada za Pesapal na kamisheni, pamoja na faili za CSV.",
        ],
    ),
    (
        [
            "RouterOS scripts generated",
            "Skripti za RouterOS zinatengenezwa kwa ajili yako",
        ],
        [
            "Tiketi writes the router's setup script for RouterOS v6 and v7. The router \
             calls Tiketi every minute and nothing calls the router, so it works behind NAT \
             and on mobile internet.",
            "Tiketi huandika skripti ya kuweka ruta tayari, kwa RouterOS v6 na v7. Ruta \
             huwasiliana na Tiketi kila dakika na hakuna kinachoiita ruta, kwa hivyo \
             inafanya kazi nyuma ya NAT na kwenye intaneti ya simu.",
        ],
    ),
];

/// (question, answer) of the FAQ.
const FAQ: &[(Pair, Pair)] = &[
    (
        [
            "Which routers work with Tiketi?",
            "Ni ruta zipi zinazofanya kazi na Tiketi?",
        ],
        [
            "MikroTik routers with RouterOS v6.49 or later, or RouterOS v7. The router needs \
             internet access: every minute it fetches its changes from Tiketi over HTTPS, and \
             nothing has to reach it from outside. Tiketi generates the whole setup script; \
             you import it once.",
            "Ruta za MikroTik zenye RouterOS v6.49 au toleo jipya zaidi, au RouterOS v7. Ruta \
             inahitaji intaneti: kila dakika inachukua mabadiliko yake kutoka Tiketi kupitia \
             HTTPS, na hakuna kitu kinachohitaji kuifikia kutoka nje. Tiketi hutengeneza \
             skripti nzima ya kuiweka tayari; unaiingiza mara moja tu.",
        ],
    ),
    (
        [
            "What happens when the internet or Tiketi is down?",
            "Intaneti au Tiketi ikikatika, nini hutokea?",
        ],
        [
            "Vouchers already on the router keep working, because the router checks them \
             itself. Online sales stop until the link is back; then the router catches up at \
             its next sync, within a minute.",
            "Vocha ambazo tayari ziko kwenye ruta zinaendelea kufanya kazi, kwa sababu ruta \
             yenyewe ndiyo huzikagua. Mauzo ya mtandaoni husimama hadi muunganisho urudi; \
             kisha ruta hujisawazisha ndani ya dakika moja.",
        ],
    ),
    (
        ["What does Pesapal charge?", "Pesapal hutoza kiasi gani?"],
        [
            "Pesapal charges its own transaction fee on each payment, as agreed between you \
             and Pesapal; Tiketi does not set it. Enter your rate in Settings and the reports \
             show your sales before and after fees. What you pay Tiketi is your plan's \
             monthly price.",
            "Pesapal hutoza ada yake ya muamala kwa kila malipo, kulingana na makubaliano \
             yako na Pesapal; si Tiketi inayoiweka. Weka kiwango chako kwenye ukurasa wa \
             Settings na ripoti zitaonyesha mauzo yako kabla na baada ya ada. Unacholipa \
             Tiketi ni bei ya kila mwezi ya mpango wako.",
        ],
    ),
    (
        ["How does the money reach me?", "Pesa hunifikiaje?"],
        [
            "Customers pay into your own Pesapal merchant account, whose keys you enter in \
             Settings. Tiketi never holds your money: Pesapal settles it to your bank account \
             or M-Pesa, as you agreed with Pesapal.",
            "Wateja hulipa moja kwa moja kwenye akaunti yako mwenyewe ya mfanyabiashara ya \
             Pesapal, ambayo funguo zake unaziweka kwenye ukurasa wa Settings. Tiketi \
             haishiki pesa zako kamwe: Pesapal hukulipa kwenye akaunti yako ya benki au \
             M-Pesa, kama mlivyokubaliana.",
        ],
    ),
    (
        [
            "Do I need my own Pesapal account?",
            "Je, ninahitaji akaunti yangu ya Pesapal?",
        ],
        [
            "For online sales, yes: a Pesapal merchant account. Until you have one you can \
             still sell printed vouchers for cash.",
            "Kwa mauzo ya mtandaoni, ndiyo: akaunti ya mfanyabiashara ya Pesapal. Kabla ya \
             kuwa nayo, bado unaweza kuuza vocha zilizochapishwa kwa pesa taslimu.",
        ],
    ),
    (
        [
            "Can agents sell printed vouchers for me?",
            "Je, mawakala wanaweza kuniuzia vocha zilizochapishwa?",
        ],
        [
            "Yes. Generate a batch, print it as PDF with a QR code on each voucher and hand \
             it to an agent. Agents sell for cash and record each sale on their phone; \
             Tiketi works out their commission and what they owe you, and you record the \
             cash they hand over. A lost batch is voided in one step.",
            "Ndiyo. Tengeneza kundi la vocha, lichapishe kama PDF lenye msimbo wa QR kwenye \
             kila vocha, kisha mkabidhi wakala. Mawakala huuza kwa pesa taslimu na kurekodi \
             kila vocha wanayouza kwenye simu zao; Tiketi hukokotoa kamisheni yao na kiasi \
             wanachopaswa kukulipa, nawe unarekodi pesa wanazokukabidhi. Kundi likipotea \
             hufutwa kwa hatua moja.",
        ],
    ),
];

fn pick(lang: Lang, pair: Pair) -> &'static str {
    pair[usize::from(lang == Lang::Sw)]
}

fn pairs(lang: Lang, items: &[(Pair, Pair)], first: &str, second: &str) -> Value {
    items
        .iter()
        .map(|(a, b)| json!({ first: pick(lang, *a), second: pick(lang, *b) }))
        .collect()
}

/// Every text of the landing and 404 pages in `lang`: `TEXTS` by key, and the lists `steps`
/// and `features` (`title`, `text`) and `faq` (`question`, `answer`).
pub fn page_texts(lang: Lang, trial_days: i64) -> Value {
    let days = trial_days.to_string();
    let mut map: Map<String, Value> = TEXTS
        .iter()
        .map(|(key, pair)| {
            (
                (*key).to_owned(),
                Value::from(pick(lang, *pair).replace("{days}", &days)),
            )
        })
        .collect();
    map.insert("steps".into(), pairs(lang, STEPS, "title", "text"));
    map.insert("features".into(), pairs(lang, FEATURES, "title", "text"));
    map.insert("faq".into(), pairs(lang, FAQ, "question", "answer"));
    Value::Object(map)
}

/// A plan's limit as a line of its card: `5 routers`, `1 agent`, `2,000 vouchers a month`,
/// `Unlimited routers`; `Ruta 5`, `Wakala 1`, `Vocha 2,000 kwa mwezi`, `Ruta bila kikomo`.
pub fn limit(lang: Lang, limit: Limit, allowed: Option<u32>) -> String {
    match (lang, limit, allowed) {
        (Lang::En, Limit::Routers, None) => "Unlimited routers".into(),
        (Lang::En, Limit::Routers, Some(1)) => "1 router".into(),
        (Lang::En, Limit::Routers, Some(n)) => {
            format!("{} routers", crate::http::grouped(u64::from(n)))
        }
        (Lang::En, Limit::Agents, None) => "Unlimited agents".into(),
        (Lang::En, Limit::Agents, Some(1)) => "1 agent".into(),
        (Lang::En, Limit::Agents, Some(n)) => {
            format!("{} agents", crate::http::grouped(u64::from(n)))
        }
        (Lang::En, Limit::VouchersPerMonth, None) => "Unlimited vouchers".into(),
        (Lang::En, Limit::VouchersPerMonth, Some(1)) => "1 voucher a month".into(),
        (Lang::En, Limit::VouchersPerMonth, Some(n)) => {
            format!("{} vouchers a month", crate::http::grouped(u64::from(n)))
        }
        (Lang::Sw, Limit::Routers, None) => "Ruta bila kikomo".into(),
        (Lang::Sw, Limit::Routers, Some(n)) => {
            format!("Ruta {}", crate::http::grouped(u64::from(n)))
        }
        (Lang::Sw, Limit::Agents, None) => "Mawakala bila kikomo".into(),
        (Lang::Sw, Limit::Agents, Some(1)) => "Wakala 1".into(),
        (Lang::Sw, Limit::Agents, Some(n)) => {
            format!("Mawakala {}", crate::http::grouped(u64::from(n)))
        }
        (Lang::Sw, Limit::VouchersPerMonth, None) => "Vocha bila kikomo".into(),
        (Lang::Sw, Limit::VouchersPerMonth, Some(n)) => {
            format!("Vocha {} kwa mwezi", crate::http::grouped(u64::from(n)))
        }
    }
}

/// What a plan's extra is called on the pricing cards.
pub fn feature(lang: Lang, feature: Feature) -> &'static str {
    let pair = match feature {
        Feature::Branding => ["Your own branding", "Chapa ya biashara yako"],
        Feature::ApiTokens => ["REST API with tokens", "API ya REST yenye tokeni"],
        Feature::Sms => ["SMS delivery", "Utumaji kwa SMS"],
    };
    pick(lang, pair)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_text_has_both_languages_and_one_key() {
        let mut keys = BTreeSet::new();
        for (key, [en, sw]) in TEXTS {
            assert!(keys.insert(*key), "{key} twice");
            assert!(!en.trim().is_empty() && !sw.trim().is_empty(), "{key}");
        }
        for (a, b) in STEPS.iter().chain(FEATURES).chain(FAQ) {
            for [en, sw] in [a, b] {
                assert!(!en.trim().is_empty() && !sw.trim().is_empty(), "{en}");
                assert_ne!(en, sw, "{en} is not translated");
            }
        }
        // A line continuation in a literal must not leave double spaces behind.
        let texts = page_texts(Lang::Sw, 14).to_string() + &page_texts(Lang::En, 14).to_string();
        assert!(!texts.contains("  "), "{texts}");
    }

    #[test]
    fn the_trial_length_is_filled_in() {
        let en = page_texts(Lang::En, 14);
        assert_eq!(
            en["trial"],
            "Every plan starts with a free trial of 14 days."
        );
        assert_eq!(
            page_texts(Lang::Sw, 30)["trial"],
            "Kila mpango huanza na siku 30 za majaribio bila malipo."
        );
        assert_eq!(en["faq"].as_array().map(Vec::len), Some(FAQ.len()));
    }

    #[test]
    fn limits_read_as_people_say_them() {
        assert_eq!(limit(Lang::En, Limit::Routers, Some(1)), "1 router");
        assert_eq!(limit(Lang::En, Limit::Agents, Some(10)), "10 agents");
        assert_eq!(
            limit(Lang::En, Limit::VouchersPerMonth, Some(20_000)),
            "20,000 vouchers a month"
        );
        assert_eq!(
            limit(Lang::En, Limit::VouchersPerMonth, Some(1_234_567)),
            "1,234,567 vouchers a month"
        );
        assert_eq!(limit(Lang::En, Limit::Routers, None), "Unlimited routers");
        assert_eq!(limit(Lang::Sw, Limit::Routers, Some(5)), "Ruta 5");
        assert_eq!(limit(Lang::Sw, Limit::Agents, Some(1)), "Wakala 1");
        assert_eq!(limit(Lang::Sw, Limit::Agents, Some(10)), "Mawakala 10");
        assert_eq!(
            limit(Lang::Sw, Limit::VouchersPerMonth, Some(2_000)),
            "Vocha 2,000 kwa mwezi"
        );
        assert_eq!(limit(Lang::Sw, Limit::Agents, None), "Mawakala bila kikomo");
    }
}
