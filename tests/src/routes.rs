//! The routes a module of `tiketi-app` declares, read from its source (`.route("...", ...)`),
//! so a route table in a test can be checked to cover every route.

use std::collections::BTreeSet;

/// The route patterns declared in the `.rs` files of `shared/app/src/http/<module>`.
pub fn declared_routes(module: &str) -> BTreeSet<String> {
    let dir = crate::repo_path(&format!("shared/app/src/http/{module}"));
    let mut routes = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("the module's folder") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(path).expect("a source file");
        for piece in source.split(".route(").skip(1) {
            let quoted = piece
                .trim_start()
                .strip_prefix('"')
                .expect("a route literal");
            routes.insert(quoted.split('"').next().unwrap_or_default().to_owned());
        }
    }
    routes
}
