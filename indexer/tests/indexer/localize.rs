//! The repo map and localization on a small Python project whose reference graph is known.

use redgreen_indexer::{Index, MapOptions, Source};

use crate::fixture::write;

const SHOP: &[(&str, &str)] = &[
    (
        "shop/db/models.py",
        "class QuerySet:\n    \"\"\"A lazy database lookup.\"\"\"\n\n    def filter(self, *args):\n        if not args:\n            raise ValueError(\"filter needs arguments\")\n        return self._clone()\n\n    def _clone(self):\n        return QuerySet()\n",
    ),
    (
        "shop/views.py",
        "from shop.db.models import QuerySet\nfrom shop.utils.text import slugify\n\ndef index(request):\n    items = QuerySet().filter(request.args)\n    return slugify(request.path)\n",
    ),
    (
        "shop/admin.py",
        "from shop.db.models import QuerySet\n\nclass ProductAdmin:\n    def queryset(self):\n        return QuerySet().filter(True)\n",
    ),
    (
        "shop/utils/text.py",
        "def slugify(value):\n    \"\"\"Turns a title into a URL slug.\"\"\"\n    if not value:\n        raise ValueError(\"slug must not be empty\")\n    return value.lower().replace(\" \", \"-\")\n",
    ),
    (
        "shop/unrelated.py",
        "def render_invoice_pdf(order):\n    return b\"%PDF\"\n\ndef archive_invoice(order):\n    return None\n",
    ),
];

/// An index of `files`, written into a new repository (kept alive with it).
fn indexed(files: &[(&str, &str)]) -> (tempfile::TempDir, tempfile::TempDir, Index) {
    let repo = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write(repo.path(), files);
    let (index, _) = Index::build(&Source::WorkTree(repo.path().into()), data.path()).unwrap();
    (repo, data, index)
}

fn shop() -> (tempfile::TempDir, tempfile::TempDir, Index) {
    indexed(SHOP)
}

/// The paths `localize` ranks for `issue`, best first.
fn ranked_paths(index: &Index, issue: &str) -> Vec<String> {
    index
        .localize(issue, 5)
        .unwrap()
        .files
        .into_iter()
        .map(|f| f.path)
        .collect()
}

#[test]
fn the_repo_map_ranks_referenced_definitions_first_within_budget() {
    let (_repo, _data, index) = shop();
    let options = |max_tokens, focus: &[&str]| MapOptions {
        max_tokens,
        focus: focus.iter().map(|f| (*f).to_owned()).collect(),
        mentioned: Vec::new(),
    };
    let map = index.repo_map(&options(25, &[])).unwrap();
    assert!(map.len() <= 25 * 4, "{map}");
    assert!(
        map.contains("shop/db/models.py:\n   1│ class QuerySet:\n"),
        "{map}"
    );
    assert!(!map.contains("render_invoice_pdf"), "{map}");

    // Focusing on a file pulls its definitions in.
    let map = index
        .repo_map(&options(25, &["shop/unrelated.py"]))
        .unwrap();
    assert!(map.contains("shop/unrelated.py:\n"), "{map}");
    assert!(map.contains("def render_invoice_pdf(order):"), "{map}");

    // A large budget holds every definition, each file once, in path order.
    let map = index.repo_map(&options(10_000, &[])).unwrap();
    let headers: Vec<&str> = map.lines().filter(|l| !l.contains('│')).collect();
    assert_eq!(
        headers,
        [
            "shop/admin.py:",
            "shop/db/models.py:",
            "shop/unrelated.py:",
            "shop/utils/text.py:",
            "shop/views.py:"
        ]
    );
    assert_eq!(map.matches('│').count(), 9, "{map}");
}

#[test]
fn mentioned_identifiers_localize_the_file_and_symbol() {
    let (_repo, _data, index) = shop();
    let found = index
        .localize(
            "`QuerySet.filter()` crashes when it is given no arguments",
            3,
        )
        .unwrap();
    assert_eq!(found.files[0].path, "shop/db/models.py");
    assert_eq!(found.files[0].symbols[0].name, "QuerySet.filter");
    assert_eq!(found.files[0].symbols[0].kind, "method");
    assert_eq!(
        (
            found.files[0].symbols[0].start_line,
            found.files[0].symbols[0].end_line
        ),
        (4, 7)
    );
    assert!(found.files.len() <= 3);
    assert!(found.files.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn stack_traces_and_error_messages_point_at_the_failing_code() {
    let (_repo, _data, index) = shop();
    let issue = r#"Visiting a page with an empty path fails:

Traceback (most recent call last):
  File "/srv/app/shop/views.py", line 6, in index
    return slugify(request.path)
  File "/srv/app/shop/utils/text.py", line 4, in slugify
ValueError: slug must not be empty
"#;
    let found = index.localize(issue, 5).unwrap();
    let paths: Vec<&str> = found.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths[..2],
        ["shop/utils/text.py", "shop/views.py"],
        "{found:?}"
    );
    assert_eq!(paths.last(), Some(&"shop/unrelated.py"), "{found:?}");
    assert_eq!(found.files[0].symbols[0].name, "slugify");
    assert_eq!(found.files[1].symbols[0].name, "index");
}

#[test]
fn a_named_path_wins_and_the_json_has_the_documented_shape() {
    let (_repo, _data, index) = shop();
    let found = index
        .localize("Invoices: see unrelated.py, the pdf renderer is wrong", 2)
        .unwrap();
    assert_eq!(found.files[0].path, "shop/unrelated.py");
    let json = serde_json::to_value(&found).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["path"], "shop/unrelated.py");
    assert!(file["score"].as_f64().unwrap() > 0.0);
    let symbol = &file["symbols"][0];
    assert_eq!(symbol["name"], "render_invoice_pdf");
    assert_eq!(symbol["kind"], "function");
    assert_eq!(
        (symbol["start_line"].as_u64(), symbol["end_line"].as_u64()),
        (Some(1), Some(2))
    );
    assert!(symbol["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn javascript_stack_frames_pick_the_right_one_of_two_same_named_functions() {
    let (_repo, _data, index) = indexed(&[
        (
            "src/loader.js",
            "export class Loader {\n  load(name) {\n    return this.options.dir + name;\n  }\n}\n",
        ),
        (
            "src/cache.js",
            "export function load(key) {\n  return store.get(key);\n}\n",
        ),
        (
            "src/main.js",
            "import { Loader } from './loader';\nnew Loader().load('x');\n",
        ),
    ]);
    let issue = "Crash on startup:\n\nTypeError: Cannot read properties of undefined (reading 'dir')\n    at Loader.load (/app/src/loader.js:3:12)\n    at Object.<anonymous> (/app/src/main.js:2:14)\n";
    let found = index.localize(issue, 3).unwrap();
    assert_eq!(found.files[0].path, "src/loader.js", "{found:?}");
    assert_eq!(found.files[0].symbols[0].name, "Loader.load", "{found:?}");
    let cache = found.files.iter().position(|f| f.path == "src/cache.js");
    assert!(cache.is_none_or(|i| i == 2), "{found:?}");
}

#[test]
fn impact_names_the_changed_definition_and_the_files_that_use_it() {
    let (_repo, _data, index) = shop();
    // Line 5 of models.py is inside `QuerySet.filter` (lines 4-7), itself inside the class.
    let impacts = index
        .impact(&[
            ("shop/db/models.py".into(), 5, 5),
            ("missing.py".into(), 1, 1),
        ])
        .unwrap();
    assert_eq!(impacts.len(), 1, "{impacts:?}");
    let impact = &impacts[0];
    assert_eq!(impact.path, "shop/db/models.py");
    assert_eq!(impact.symbol, "QuerySet.filter");
    assert_eq!(impact.referenced_by, vec!["shop/admin.py", "shop/views.py"]);

    // A change to `slugify` reaches only its one user.
    let impacts = index
        .impact(&[("shop/utils/text.py".into(), 3, 4)])
        .unwrap();
    assert_eq!(impacts[0].symbol, "slugify");
    assert_eq!(impacts[0].referenced_by, vec!["shop/views.py"]);
}

#[test]
fn tests_rank_below_the_code_even_when_named_and_docs_unless_named() {
    let mut files = SHOP.to_vec();
    // A test and a document that repeat the issue's words more often than the code does.
    files.push((
        "tests/test_slugify.py",
        "from shop.utils.text import slugify\n\ndef test_slugify_empty_title():\n    # slugify empty title slug crash\n    assert slugify('a b') == 'a-b'\n",
    ));
    files.push((
        "tests/test_views.py",
        "from shop.views import index\n\ndef test_index():\n    assert index(Request('/a'))\n",
    ));
    files.push((
        "docs/slugs.md",
        "slugify empty title slug crash: slugify of an empty title crashes with a slug error\n",
    ));
    // Code that is documentation or an example (a Sphinx `conf.py`, a gallery script).
    files.push((
        "docs/conf.py",
        "# slugify empty title slug crash\nslug_title = 'slugify empty title slug'\n",
    ));
    files.push((
        "examples/slug_demo.py",
        "from shop.utils.text import slugify\n# slugify an empty title: slug crash\nprint(slugify('empty title slug'))\n",
    ));
    let (_repo, _data, index) = indexed(&files);

    let issue = "slugify crashes on an empty title: the slug is empty";
    let paths = ranked_paths(&index, issue);
    assert_eq!(
        paths.first().map(String::as_str),
        Some("shop/utils/text.py"),
        "{paths:?}"
    );

    // Named, a document is what the issue is about.
    let paths = ranked_paths(&index, "docs/conf.py sets the slug title wrong");
    assert_eq!(
        paths.first().map(String::as_str),
        Some("docs/conf.py"),
        "{paths:?}"
    );
    // A named test shows the failure; the fix is in the code it exercises.
    let paths = ranked_paths(
        &index,
        "tests/test_views.py fails: `QuerySet.filter` raises when given no arguments",
    );
    assert_eq!(
        paths.first().map(String::as_str),
        Some("shop/db/models.py"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p == "tests/test_views.py"),
        "{paths:?}"
    );
}

/// The title (the text's first line) names the problem in few words; a body that goes on
/// about what the user did does not outweigh it.
#[test]
fn the_title_outweighs_a_body_about_something_else() {
    let (_repo, _data, index) = indexed(&[
        (
            "shop/cart.py",
            "def add_item(cart, item, quantity):\n    \"\"\"Adds an item to the cart.\"\"\"\n    cart.items.append((item, quantity))\n\n\ndef remove_item(cart, item):\n    cart.items.remove(item)\n",
        ),
        (
            "shop/pricing.py",
            "def apply_coupon(total, coupon):\n    \"\"\"Takes a coupon's discount off the total.\"\"\"\n    return total - coupon.discount\n",
        ),
    ]);
    let issue = "Coupon discount ignored\n\nI add an item to the cart, then another item to the cart, \
                 and remove an item from the cart: the cart shows each item and its quantity, \
                 but at checkout the total is the same.";
    let paths = ranked_paths(&index, issue);
    assert_eq!(
        paths.first().map(String::as_str),
        Some("shop/pricing.py"),
        "{paths:?}"
    );
}

/// The title's first word, when it names a top-level definition, is the issue's subject,
/// even when the body is mostly about another name.
#[test]
fn the_titles_first_word_names_the_subject() {
    let (_repo, _data, index) = indexed(&[
        (
            "shop/tax.py",
            "def round_total(total):\n    return round(total * 100) / 100\n",
        ),
        (
            "shop/models.py",
            "class Invoice:\n    def total(self):\n        return sum(line.price for line in self.lines)\n\n    def add_line(self, line):\n        self.lines.append(line)\n",
        ),
    ]);
    let issue = "round_total() is off by a cent for an Invoice\n\nAn `Invoice` with three \
                 lines: `Invoice.total()` gives 10.005 and the Invoice shows 10.00. Every Invoice \
                 with a half cent in its total is off.";
    assert_eq!(
        ranked_paths(&index, issue).first().map(String::as_str),
        Some("shop/tax.py")
    );
    // Not when the first word is only a word.
    let issue = "Rounding is off by a cent for an Invoice\n\nAn `Invoice` with three lines: \
                 `Invoice.total()` gives 10.005 and the Invoice shows 10.00.";
    assert_eq!(
        ranked_paths(&index, issue).first().map(String::as_str),
        Some("shop/models.py")
    );
}

/// A traceback is a call chain through whatever ran: the frame that raised inside the
/// repository (here under a `src/` layout, installed as `site-packages/pkg/...`) points at the
/// code to fix. The framework frames around it, their paths and the names they show, do not
/// outweigh it.
#[test]
fn a_traceback_points_at_the_raising_frame_not_the_framework_around_it() {
    let (_repo, _data, index) = indexed(&[
        (
            "src/pkg/framework.py",
            "def run_app(app, request):\n    return dispatch_request(app, request)\n\n\ndef dispatch_request(app, request):\n    return handle_view(app, request)\n\n\ndef handle_view(app, request):\n    return render_view(app.view, request)\n",
        ),
        (
            "src/pkg/views.py",
            "def render_view(view, request):\n    return view.template % request.args\n",
        ),
    ]);
    let issue = "Showing a page crashes\n\nOpening the page fails with a TypeError:\n\n\
        ```\nTraceback (most recent call last):\n  \
        File \"/venv/lib/python3.11/site-packages/pkg/framework.py\", line 3, in run_app\n    \
        return dispatch_request(app, request)\n  \
        File \"/venv/lib/python3.11/site-packages/pkg/framework.py\", line 8, in dispatch_request\n    \
        return handle_view(app, request)\n  \
        File \"/venv/lib/python3.11/site-packages/pkg/framework.py\", line 13, in handle_view\n    \
        return render_view(app.view, request)\n  \
        File \"/venv/lib/python3.11/site-packages/pkg/views.py\", line 2, in render_view\n    \
        return view.template % request.args\n\
        TypeError: not all arguments converted during string formatting\n```\n";
    let found = index.localize(issue, 5).unwrap();
    let paths: Vec<&str> = found.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["src/pkg/views.py", "src/pkg/framework.py"]);
    assert_eq!(found.files[0].symbols[0].name, "render_view");
    // Not by a hair: the framework's frames are one call away and more numerous.
    let (views, framework) = (found.files[0].score, found.files[1].score);
    assert!(views > 1.5 * framework, "{views} vs {framework}");
}

/// Windows prints frames with backslashes (`D:\\venv\\Lib\\site-packages\\pkg\\views.py`);
/// they name the repository's files as the same frames with slashes do.
#[test]
fn windows_traceback_frames_name_the_repository_files() {
    let (_repo, _data, index) = indexed(&[
        (
            "src/pkg/framework.py",
            "def run_app(app, request):\n    return dispatch_request(app, request)\n\n\ndef dispatch_request(app, request):\n    return render_view(app.view, request)\n",
        ),
        (
            "src/pkg/views.py",
            "def render_view(view, request):\n    return view.template % request.args\n",
        ),
    ]);
    let issue = "Showing a page crashes\n\n\
        Traceback (most recent call last):\n  \
        File \"D:\\project\\manage.py\", line 9, in main\n    \
        run_app(app, request)\n  \
        File \"D:\\venv\\Lib\\site-packages\\pkg\\framework.py\", line 2, in run_app\n    \
        return dispatch_request(app, request)\n  \
        File \"D:\\venv\\Lib\\site-packages\\pkg\\views.py\", line 2, in render_view\n    \
        return view.template % request.args\n\
        TypeError: not all arguments converted during string formatting\n";
    let found = index.localize(issue, 5).unwrap();
    let paths: Vec<&str> = found.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["src/pkg/views.py", "src/pkg/framework.py"]);
    let (views, framework) = (found.files[0].score, found.files[1].score);
    assert!(views > 1.15 * framework, "{views} vs {framework}");
}

#[test]
fn a_dotted_module_path_in_the_text_names_its_file() {
    let (_repo, _data, index) = shop();
    let score_of_text_py = |issue: &str| {
        index
            .localize(issue, 10)
            .unwrap()
            .files
            .into_iter()
            .find(|f| f.path == "shop/utils/text.py")
            .map_or(0.0, |f| f.score)
    };
    // The same words, once as a module path and once as prose: only the module path names
    // the file (the tokenizer splits both into the same words for BM25).
    let dotted = score_of_text_py("Importing shop.utils.text is slow since the last release.");
    let words = score_of_text_py("Importing shop utils text is slow since the last release.");
    assert!(dotted >= words + 1.5, "dotted {dotted}, words {words}");
    // Its tail names it too, as a path's tail does (`syndication.views` in a Django issue).
    let tail = score_of_text_py("Importing utils.text is slow since the last release.");
    let words = score_of_text_py("Importing utils text is slow since the last release.");
    assert!(tail >= words + 1.5, "tail {tail}, words {words}");
}

/// A file that matches the issue as a whole and in its definitions outranks a short file
/// whose one document (a comment) matches it better than any single document of the first.
#[test]
fn a_file_matching_in_two_documents_outranks_one_matching_in_one() {
    let (_repo, _data, index) = indexed(&[
        (
            "shop/glossary.py",
            "# invoice rounding: totals are rounded per line\n",
        ),
        (
            "shop/billing.py",
            "def apply(invoice):\n    \"\"\"Invoice rounding, line by line.\"\"\"\n    return [round(x, 2) for x in invoice.amounts]\n\n\ndef summarize(invoice):\n    \"\"\"Totals, as rounded.\"\"\"\n    return sum(invoice.amounts)\n",
        ),
    ]);
    let found = index
        .localize("Invoice rounding is wrong: totals are rounded per line", 5)
        .unwrap();
    let scores: Vec<(&str, f32)> = found
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.score))
        .collect();
    assert_eq!(found.files[0].path, "shop/billing.py", "{scores:?}");
}
