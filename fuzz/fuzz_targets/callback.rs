//! The loopback listener's decision on any request target: never a panic, and a code is
//! accepted only with the exact state.
#![no_main]
use libfuzzer_sys::fuzz_target;
use vital_link::oauth::loopback::{decide, CallbackOutcome};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let (state, target) = s.split_once('\n').unwrap_or(("s", &s));
    let d = decide(true, target, state, Some("https://issuer.example"));
    if let Some(CallbackOutcome::Code { .. }) = d.outcome {
        let query = target.split_once('?').map(|x| x.1).unwrap_or("");
        let got = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|x| x.1.into_owned());
        assert_eq!(got.as_deref(), Some(state));
    }
});
