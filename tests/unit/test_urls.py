"""Where every page and download lives (``builder.site.urls``): by plan, so plans sharing ids
never collide; the home plan's home at the site's root; links relative to the linking page."""
from __future__ import annotations

import posixpath

import pytest

from builder.site.urls import HOME, Urls, page_url, relative_link

CITY, SECOND = "synthetic-songyuan", "synthetic-second-city"


def every_path(urls: Urls, plan_id: str) -> list[str]:
    return [urls.plan_home(plan_id), urls.areas_index(plan_id), urls.area(plan_id, 1), urls.area(plan_id, 11),
            urls.indicator(plan_id, "non-fossil-share"), urls.departments_index(plan_id),
            urls.department(plan_id, "syn-fgw"), urls.plan_text(plan_id), urls.compare(plan_id),
            urls.plan_targets_csv(plan_id), urls.area_csv(plan_id, 1), urls.indicator_csv(plan_id, "non-fossil-share"),
            urls.embed(plan_id, "non-fossil-share"), urls.share_image(plan_id, "non-fossil-share")]


@pytest.mark.parametrize("home", [None, CITY])
def test_two_plans_with_the_same_ids_never_share_a_path(home):
    urls = Urls(home)
    city, second = every_path(urls, CITY), every_path(urls, SECOND)
    assert len(set(city)) == len(city) and len(set(second)) == len(second)
    assert not set(city) & set(second)


def test_every_page_of_a_plan_is_under_its_folder_but_the_home_plans_home():
    urls = Urls(CITY)
    assert urls.plan_home(CITY) == HOME == "index.md"
    assert urls.plan_home(SECOND) == "plans/synthetic-second-city/index.md"
    assert urls.area(CITY, 11) == "plans/synthetic-songyuan/areas/11.md"
    assert urls.indicator(SECOND, "forest-cover") == "plans/synthetic-second-city/indicators/forest-cover.md"
    assert urls.indicator_csv(SECOND, "forest-cover") == "downloads/plans/synthetic-second-city/indicators/forest-cover.csv"
    assert Urls().plan_home(CITY) == "plans/synthetic-songyuan/index.md"  # a portal: no plan at the root


def test_package_downloads_are_by_package_name():
    assert Urls.package_zip("second-city") == "downloads/second-city.zip"
    assert Urls.package_file("second-city", "data/targets.csv") == "downloads/second-city/data/targets.csv"


@pytest.mark.parametrize("from_page, to_path, link", [
    ("index.md", "plans/p/areas/1.md", "plans/p/areas/1.md"),
    ("plans/p/areas/1.md", "plans/p/indicators/x.md", "../indicators/x.md"),
    ("plans/p/areas/1.md", "methodology.md", "../../../methodology.md"),
    ("plans/p/indicators/x.md", "plans/p/text.md#t-a", "../text.md#t-a"),
    ("plans/p/indicators/x.md", "#chart-x", "#chart-x"),
    ("plans/p/indicators/x.md", "plans/q/indicators/x.md", "../../q/indicators/x.md"),
])
def test_links_are_relative_to_the_linking_page(from_page, to_path, link):
    assert relative_link(from_page, to_path) == link
    path, _, anchor = to_path.partition("#")
    if path:
        assert posixpath.normpath(posixpath.join(posixpath.dirname(from_page), link.partition("#")[0])) == path


@pytest.mark.parametrize("md, url", [("plans/p/areas/1.md", "plans/p/areas/1.html"), ("index.md", "index.html"),
                                     ("downloads/targets.csv", "downloads/targets.csv")])
def test_pages_are_html_files(md, url):
    assert page_url(md) == url
