import { route } from "../route.js";

const tags = ["Experiences"];
const read = { api: "admin", auth: { kind: "secret", scope: "read:experiences" }, tags } as const;
const write = { api: "admin", auth: { kind: "secret", scope: "write:experiences" }, tags } as const;

/** Experiences (drops) on the admin API, and an experience's public view on the consumer API. */
export const createExperience = route({
  ...write,
  method: "POST",
  path: "/experiences",
  summary: "Create an experience (a drop)",
  body: "CreateExperienceBody",
  responses: { 201: "ExperienceView" },
});

export const listExperiences = route({
  ...read,
  method: "GET",
  path: "/experiences",
  summary: "List experiences",
  query: "ExperienceListQuery",
  responses: { 200: "ExperiencePage" },
});

export const getExperience = route({
  ...read,
  method: "GET",
  path: "/experiences/:id",
  summary: "Get an experience",
  params: "IdParams",
  responses: { 200: "ExperienceView" },
  errors: ["experience_not_found"],
});

export const updateExperience = route({
  ...write,
  method: "PATCH",
  path: "/experiences/:id",
  summary: "Change an experience",
  params: "IdParams",
  body: "UpdateExperienceBody",
  responses: { 200: "ExperienceView" },
  errors: ["experience_not_found"],
});

export const deleteExperience = route({
  ...write,
  method: "DELETE",
  path: "/experiences/:id",
  summary: "Delete an experience and its queues",
  params: "IdParams",
  responses: { 200: "DeletedExperience" },
  errors: ["experience_not_found"],
});

export const getPublicExperience = route({
  api: "consumer",
  auth: { kind: "publishable" },
  tags,
  method: "GET",
  path: "/experiences/:id",
  summary: "An experience's public view (name and times)",
  params: "IdParams",
  responses: { 200: "ExperiencePublicView" },
});
