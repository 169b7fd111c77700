from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from quizzes.homework.models import Choice, Homework, HomeworkDefaults, Question
from quizzes.homework.services import homework_publish, homework_sync_key_version


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = ["position", "title", "text", "explanation"]
    show_change_link = True  # choices are edited on the question's page


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0
    fields = ["position", "text", "is_correct", "feedback"]


@admin.register(Homework)
class HomeworkAdmin(admin.ModelAdmin):
    list_display = ["lecture", "course", "due_at", "published", "key_version", "links"]
    list_filter = ["published", "lecture__course"]
    readonly_fields = ["published", "key_version", "graded_key_version", "graded_at"]
    inlines = [QuestionInline]
    actions = ["publish", "unpublish"]

    @admin.display(description=_("course"))
    def course(self, obj: Homework):
        return obj.lecture.course

    @admin.display(description=_("links"))
    def links(self, obj: Homework):
        slug, number = obj.lecture.course.slug, obj.lecture.number
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("homework_preview", args=[slug, number]),
            _("Preview as a learner"),
            reverse("homework_results", args=[slug, number]),
            _("Results"),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if homework_sync_key_version(homework=form.instance):
            self.message_user(
                request,
                _("The answer key changed: grading will recompute the scores."),
                messages.WARNING,
            )

    @admin.action(description=_("Publish selected homework"))
    def publish(self, request, queryset):
        for homework in queryset:
            try:
                homework_publish(homework=homework)
            except ValidationError as error:
                for message in error.messages:
                    self.message_user(request, f"{homework}: {message}", messages.ERROR)
            else:
                self.message_user(request, _("Published: %s") % homework)

    @admin.action(description=_("Unpublish selected homework"))
    def unpublish(self, request, queryset):
        queryset.update(published=False)


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "homework", "position"]
    list_filter = ["homework__lecture__course"]
    inlines = [ChoiceInline]

    def save_formset(self, request, form, formset, change):
        """New choices are inserted in a random order (see
        `ChoiceQuerySet.create_in_random_order`): ids must not follow the
        order the author typed them in."""
        if formset.model is not Choice:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for choice in formset.deleted_objects:
            choice.delete()
        new = [choice for choice in instances if choice.pk is None]
        for choice in instances:
            if choice.pk is not None:
                choice.save()
        Choice.objects.create_in_random_order(new)
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if homework_sync_key_version(homework=form.instance.homework):
            self.message_user(
                request,
                _("The answer key changed: grading will recompute the scores."),
                messages.WARNING,
            )


admin.site.register(HomeworkDefaults)
