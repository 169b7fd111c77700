"""The iCalendar (RFC 5545) feed of a course: every lecture and deadline."""

from datetime import UTC

from django.conf import settings
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, Timezone

from courses.models import Course
from courses.selectors import deadlines_for

PRODID = "-//Koza//Koza LMS//EN"


def _domain() -> str:
    return settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":")[0]


def course_calendar(*, course: Course, user) -> bytes:
    """Lectures in the course's time zone (with its VTIMEZONE); deadlines in
    UTC. UIDs depend only on the course and the item, so calendar apps update
    events instead of duplicating them."""
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
        event.add("summary", f"{course.title} #{lecture.number}: {lecture.title}")
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
        event.add("summary", deadline["title"])
        due = deadline["due_at"].astimezone(UTC)
        event.add("dtstart", due)
        event.add("dtend", due)
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
