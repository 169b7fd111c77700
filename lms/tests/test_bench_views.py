import pytest


@pytest.mark.django_db
def test_the_benchmark_floor_views_are_not_served_unless_bench_views_is_on(client):
    assert client.get("/bench/noop/").status_code == 404
    assert client.post("/bench/submit/", {}).status_code == 404
