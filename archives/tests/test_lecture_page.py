from archives.models import Material
from archives.tests.conftest import NOTEBOOK, PDF, VTT

URL = "/courses/llm/lectures/1/"


def ready(material: Material) -> Material:
    Material.objects.filter(pk=material.pk).update(
        state=Material.State.READY, published=True
    )
    material.refresh_from_db()
    return material


def test_the_lecture_page_shows_the_player_with_captions_and_the_files(
    client, learner, add_material, video_file
):
    recording = ready(add_material("recording", "w1.mp4", video_file.read_bytes()))
    captions = add_material("captions", "ja.vtt", VTT, publish_when_ready=True)
    slides = add_material("slides", "w1.pdf", PDF, publish_when_ready=True)
    add_material(
        "notebook",
        "w1.ipynb",
        NOTEBOOK,
        publish_when_ready=True,
        github_url="https://github.com/koza/llm/blob/main/w1.ipynb",
    )
    client.force_login(learner)

    page = client.get(URL).text

    assert f'<source src="{recording.get_absolute_url()}" type="video/mp4">' in page
    assert f'<track kind="captions" src="{captions.get_absolute_url()}"' in page
    assert f'href="{slides.get_absolute_url()}?view=1"' in page
    assert (
        'href="https://colab.research.google.com/github/koza/llm/blob/main/w1.ipynb"'
        in page
    )
    assert "Manage materials" not in page


def test_unpublished_or_unprocessed_materials_are_not_on_the_page(
    client, learner, add_material, video_file
):
    add_material("slides", "draft.pdf", PDF)
    add_material(
        "recording", "w1.mp4", video_file.read_bytes(), publish_when_ready=True
    )
    client.force_login(learner)
    page = client.get(URL).text
    assert "<video" not in page
    assert "draft.pdf" not in page
    assert "will appear here after the lecture" in page


def test_an_external_video_is_embedded_and_only_its_provider_may_be_framed(
    client, learner, course, course_admin
):
    from archives.services import material_create_link

    material_create_link(
        lecture=course.lectures.get(number=1),
        url="https://vimeo.com/76979871",
        title="Guest talk",
        user=course_admin,
        publish=True,
    )
    client.force_login(learner)
    response = client.get(URL)
    assert '<iframe src="https://player.vimeo.com/video/76979871"' in response.text
    csp = response["Content-Security-Policy"]
    assert "frame-src https://player.vimeo.com;" in csp
    assert "youtube" not in csp

    other_lecture = client.get("/courses/llm/lectures/2/")
    assert "frame-src 'none'" in other_lecture["Content-Security-Policy"]


def test_course_admins_find_the_way_to_the_upload_page(client, course_admin):
    client.force_login(course_admin)
    page = client.get(URL).text
    assert 'href="/staff/llm/lectures/1/materials/"' in page
