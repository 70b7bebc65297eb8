"""Club Manager > Planning, under /manager/planning/ (namespace "manager")."""

from django.urls import path

from ponton.planning import views, views_jobs, views_participants, views_resources

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
    # RE-1 resources
    path("ressources/", views_resources.resources_list, name="resources"),
    path("ressources/ajouter/", views_resources.resource_add, name="resource_add"),
    path("ressources/libres/", views_resources.resources_free, name="resources_free"),
    path("ressources/<int:resource_id>/", views_resources.resource_detail, name="resource"),
    path(
        "ressources/<int:resource_id>/modifier/",
        views_resources.resource_update,
        name="resource_update",
    ),
    path(
        "ressources/<int:resource_id>/supprimer/",
        views_resources.resource_delete,
        name="resource_delete",
    ),
    path(
        "ressources/<int:resource_id>/absences/",
        views_resources.absence_add,
        name="resource_absence_add",
    ),
    path(
        "ressources/<int:resource_id>/absences/<int:absence_id>/supprimer/",
        views_resources.absence_delete,
        name="resource_absence_delete",
    ),
    path(
        "ressources/<int:resource_id>/planning/",
        views_resources.resource_planning,
        name="resource_planning",
    ),
    path(
        "activite/<int:product_id>/ressources/",
        views_resources.activity_needs,
        name="activity_resources",
    ),
    path(
        "activite/<int:product_id>/ressources/ajouter/",
        views_resources.need_add,
        name="activity_need_add",
    ),
    path(
        "activite/<int:product_id>/ressources/<int:need_id>/supprimer/",
        views_resources.need_delete,
        name="activity_need_delete",
    ),
    path(
        "seances/<int:session_id>/ressources/",
        views_resources.session_resource_add,
        name="planning_session_resource_add",
    ),
    path(
        "seances/<int:session_id>/ressources/<int:booking_id>/retirer/",
        views_resources.session_resource_remove,
        name="planning_session_resource_remove",
    ),
]
