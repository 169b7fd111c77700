from archives.selectors import published_kinds_by_lecture
from archives.tests.conftest import NOTEBOOK, PDF


def test_pages_learn_which_materials_each_lecture_has_in_one_query(
    course, add_material, django_assert_num_queries
):
    add_material("slides", "s.pdf", PDF, publish_when_ready=True)
    add_material("notebook", "n.ipynb", NOTEBOOK, publish_when_ready=True)
    add_material("slides", "draft.pdf", PDF, number=2)
    lectures = {lecture.number: lecture.pk for lecture in course.lectures.all()}

    with django_assert_num_queries(1):
        kinds = published_kinds_by_lecture(lectures.values())

    assert kinds == {lectures[1]: ["notebook", "slides"]}
