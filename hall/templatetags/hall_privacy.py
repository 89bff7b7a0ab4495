"""Template filters of personal-data masking (个人信息脱敏) shared by every app's pages."""

from django import template

from hall.privacy import is_citizen_actor, mask_person

register = template.Library()


@register.simple_tag
def event_actor(event, reveal=False) -> str:
    """The actor of a timeline event; a citizen's name and username masked unless revealed."""
    application = event.application  # the prefetching parent: no query
    if is_citizen_actor(event, application) and not reveal:
        return mask_person(event.actor_repr)
    return event.actor_repr
