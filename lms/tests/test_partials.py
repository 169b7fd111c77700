from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from lms.partials import wants_partial


def _request(**headers):
    request = RequestFactory().get("/", headers=headers)
    request.htmx = HtmxDetails(request)
    return request


def test_a_plain_request_gets_the_whole_page():
    assert not wants_partial(_request())


def test_an_htmx_request_gets_the_fragment():
    assert wants_partial(_request(**{"HX-Request": "true"}))


def test_a_boosted_navigation_gets_the_whole_page():
    request = _request(**{"HX-Request": "true", "HX-Boosted": "true"})
    assert not wants_partial(request)


def test_a_target_must_match_when_given():
    request = _request(**{"HX-Request": "true", "HX-Target": "other"})
    assert not wants_partial(request, target="material-list")
    request = _request(**{"HX-Request": "true", "HX-Target": "material-list"})
    assert wants_partial(request, target="material-list")
