from django.urls import path

from ketacare.api.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Questionnaire", views.questionnaire_search, name="questionnaire_search"),
    path("Questionnaire/<str:code>", views.questionnaire_read, name="questionnaire"),
    path("QuestionnaireResponse", views.questionnaire_response, name="questionnaire_response"),
    path("Observation", views.observation_search, name="observation"),
]
