"""Club Manager > Planning, under /manager/planning/ (namespace "manager")."""

from django.urls import path

from ponton.planning import views, views_jobs, views_participants

urlpatterns = [
    path("", views.planning_week, name="planning"),
    path("ajouter/", views.planning_add, name="planning_add"),
    path("activite/<int:product_id>/", views.planning_dedicated, name="planning_dedicated"),
    path(
        "activite/<int:product_id>/seances/",
        views.planning_sessions_add,
        name="planning_sessions_add",
    ),
    path("seances/<int:session_id>/", views.planning_session, name="planning_session"),
    path(
        "seances/<int:session_id>/deplacer/",
        views.planning_session_move,
        name="planning_session_move",
    ),
    path(
        "seances/<int:session_id>/places/",
        views.planning_session_capacity,
        name="planning_session_capacity",
    ),
    path(
        "seances/<int:session_id>/supprimer/",
        views.planning_session_delete,
        name="planning_session_delete",
    ),
    path(
        "seances/<int:session_id>/supprimer-date/",
        views.planning_session_delete_date,
        name="planning_session_delete_date",
    ),
    path(
        "seances/<int:session_id>/participants/",
        views_participants.planning_participants,
        name="planning_participants",
    ),
    path("generations/<int:job_id>/", views_jobs.generation_detail, name="planning_generation"),
    path(
        "generations/<int:job_id>/progression/",
        views_jobs.generation_progress,
        name="planning_generation_progress",
    ),
    path(
        "generations/<int:job_id>/reprendre/",
        views_jobs.generation_resume,
        name="planning_generation_resume",
    ),
]
