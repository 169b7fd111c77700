"""The iCalendar (RFC 5545) feed of a course: every lecture and deadline."""

from datetime import UTC

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone

from courses.models import Course, Enrollment
from courses.selectors import deadlines_for

PRODID = "-//Koza//Koza LMS//EN"


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def feed_language(user) -> str:
    """The learner's chosen language, not the fetching calendar app's
    Accept-Language (a server in another country, or none at all)."""
    known = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in known else settings.LANGUAGE_CODE


def feed_urls(request: HttpRequest, enrollment: Enrollment) -> dict[str, str]:
    """The learner's feed address to copy (https) and to subscribe with one
    click (webcal://, which calendar apps open as a subscription)."""
    url = request.build_absolute_uri(
        reverse("course_calendar", args=[enrollment.course.slug])
        + "?token="
        + enrollment.ensure_calendar_token()
    )
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1]}


def course_calendar(*, course: Course, user) -> bytes:
    """Lectures in the course's time zone (with its VTIMEZONE); deadlines in
    UTC. UIDs depend only on the course and the item, so calendar apps update
    events instead of duplicating them. Titles are in the learner's language
    and name the course: a feed sits among others in a calendar app."""
    with translation.override(feed_language(user)):
        return _course_calendar(course=course, user=user)


def _course_calendar(*, course: Course, user) -> bytes:
    tz = course.tzinfo
    domain = _domain()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", course.title)
    calendar.add("x-wr-timezone", course.timezone)
    lectures = list(course.lectures.filter(published=True).order_by("number"))
    if lectures:
        calendar.add_component(
            Timezone.from_tzid(
                course.timezone,
                first_date=min(lec.starts_at for lec in lectures).date(),
                last_date=max(lec.ends_at for lec in lectures).date(),
            )
        )
    stamp = timezone.now().astimezone(UTC)
    for lecture in lectures:
        event = Event()
        event.add("uid", f"lecture-{course.pk}-{lecture.number}@{domain}")
        event.add("dtstamp", stamp)
        event.add(
            "summary",
            _("%(course)s — lecture %(number)s: %(title)s")
            % {
                "course": course.title,
                "number": lecture.number,
                "title": lecture.title,
            },
        )
        event.add("dtstart", lecture.starts_at.astimezone(tz))
        event.add("dtend", lecture.ends_at.astimezone(tz))
        event.add("url", settings.SITE_URL + lecture.get_absolute_url())
        if lecture.description:
            event.add("description", lecture.description)
        calendar.add_component(event)
    alarms = course.reminder_offsets
    for deadline in deadlines_for(course=course, user=user):
        event = Event()
        event.add("uid", f"{deadline['uid']}@{domain}")
        event.add("dtstamp", stamp)
        event.add(
            "summary",
            _("%(course)s: %(deadline)s")
            % {"course": course.title, "deadline": deadline["title"]},
        )
        # A deadline is a moment: no DTEND (RFC 5545 3.6.1 forbids a DTEND
        # equal to DTSTART; without one the event ends where it starts), and
        # transparent, so it does not show the learner as busy.
        event.add("dtstart", deadline["due_at"].astimezone(UTC))
        event.add("transp", "TRANSPARENT")
        if deadline.get("url"):
            event.add("url", settings.SITE_URL + deadline["url"])
        for offset in alarms:
            alarm = Alarm()  # the same times as the reminder emails
            alarm.add("action", "DISPLAY")
            alarm.add("description", deadline["title"])
            alarm.add("trigger", -offset)
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
