"""The shipped policy, controls, questionnaire, waivers and deployments, installed as package data
`govflow.config`; `govflow.settings` points at them. Only YAML lives here."""
