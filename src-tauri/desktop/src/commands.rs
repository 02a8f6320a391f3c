// The window's commands: the one list, each with what it takes and returns.
//
// `lib.rs` turns it into the invoke handler (`generate_handler!`), a compile-time check that
// every function has exactly these argument and result types, and the `Commands` map of
// ui/src/console/bindings.ts; `build.rs` turns it into the app manifest (each command opt-in)
// and capabilities/main.json. Adding a command: write its function in lib.rs, add one line here,
// then regenerate the bindings (`UPDATE_BINDINGS=1 cargo test -p vital-link-desktop --test bindings`).
//
// Argument names are the functions' own (snake_case here, camelCase on the wire); an `Option`
// argument may be left out by the window. `()` is a command that answers `null`.
window_commands! {
    app_info() -> AppInfo;
    list_participants(from: Option<String>, to: Option<String>) -> Vec<Participant>;
    add_user(client_user_id: String, notes: Option<String>, cohort: Option<String>) -> User;
    update_participant(user_id: String, notes: Option<String>, cohort: Option<String>) -> User;
    plan_participant_import(csv: String) -> ImportPlan;
    import_participants(csv: String) -> ImportReport;
    delete_user(user_id: String) -> ();
    disconnect(user_id: String, provider: String) -> ();
    create_link_token(user_id: String, provider: Option<String>) -> LinkTokenResponse;
    user_data(user_id: String, kind: String, from: String, to: String) -> JsonValue;
    coverage(from: String, to: String) -> Vec<CoverageRow>;
    sync_now(user_id: Option<String>) -> Vec<SyncReport>;
    export(
        format: Format,
        out: Option<String>,
        participants: Vec<String>,
        from: Option<String>,
        to: Option<String>,
        raw: bool,
    ) -> ExportReport;
    agreement() -> Agreement;
    set_agreement(version: String, text: String) -> ();
    consents(user_id: Option<String>) -> Vec<Consent>;
    event_log(limit: Option<i64>) -> Vec<Event>;
    inspector(connection_id: Option<i64>, provider: Option<String>, limit: Option<usize>) -> Vec<Exchange>;
    connection_details(connection_id: i64) -> ConnectionDetails;
    force_refresh(connection_id: i64) -> ConnectionDetails;
    faults(provider: String) -> Faults;
    set_faults(provider: String, faults: Faults) -> ();
    settings() -> SettingsView;
    set_environment(environment: String) -> ();
    set_credentials(provider: String, client_id: String, client_secret: Option<String>) -> ();
    rotate_api_key() -> String;
    add_webhook(url: String) -> NewWebhook;
    remove_webhook(id: i64) -> ();
    forward_retry() -> usize;
    set_enrol_pin(pin: Option<String>) -> ();
    check_enrol_pin(pin: String) -> bool;
    wipe_all(confirm: String) -> ();
}
