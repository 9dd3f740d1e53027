"""An MkDocs hook carbon-site adds to every generated project: the search index written as
UTF-8 text, not \\u escapes (the same JSON, a sixth smaller on the wire for Chinese text).

Runs after the search plugin has written the index, so `mkdocs build -f build/mkdocs.yml`
(or `properdocs build`) alone gives the same site as carbon-site's build.
"""
import json
import os


def on_post_build(config, **kwargs):
    path = os.path.join(config["site_dir"], "search", "search_index.json")
    if not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as handle:
        index = json.load(handle)
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(index, handle, ensure_ascii=False, separators=(",", ":"))
