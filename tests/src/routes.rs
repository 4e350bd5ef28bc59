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
        routes.extend(routes_in(&source));
    }
    routes
}

/// The route patterns declared anywhere under `shared/app/src/http` (every HTTP route Tiketi
/// serves, whichever function serves it).
pub fn all_declared_routes() -> BTreeSet<String> {
    fn walk(dir: &std::path::Path, routes: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, routes);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let source = std::fs::read_to_string(&path).expect("a source file");
                routes.extend(routes_in(&source));
            }
        }
    }
    let mut routes = BTreeSet::new();
    walk(&crate::repo_path("shared/app/src/http"), &mut routes);
    routes
}

fn routes_in(source: &str) -> impl Iterator<Item = String> + '_ {
    source.split(".route(").skip(1).map(|piece| {
        let quoted = piece
            .trim_start()
            .strip_prefix('"')
            .expect("a route literal");
        quoted.split('"').next().unwrap_or_default().to_owned()
    })
}
