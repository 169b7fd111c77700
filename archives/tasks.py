from celery import shared_task

from archives import services


@shared_task(acks_late=True, soft_time_limit=600, time_limit=660)
def material_process(*, material_id: int) -> None:
    services.material_process(material_id=material_id)


@shared_task(acks_late=True)
def archives_sweep() -> None:
    """Remove abandoned uploads; process recordings whose task was lost."""
    services.uploads_remove_abandoned()
    for material_id in services.materials_needing_processing():
        material_process.delay(material_id=material_id)
