import { Type } from "typebox";
import { Deleted, NullableTimestamp, Page, PageQuery, Timestamp } from "./common.js";

export const ExperienceView = Type.Object({
  id: Type.String(),
  object: Type.Literal("experience"),
  name: Type.String(),
  openAt: NullableTimestamp,
  closeAt: NullableTimestamp,
  timeZone: Type.String(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

/** What a browser may see with a publishable key. */
export const ExperiencePublicView = Type.Object({
  id: Type.String(),
  object: Type.Literal("experience"),
  name: Type.String(),
  openAt: NullableTimestamp,
  closeAt: NullableTimestamp,
  timeZone: Type.String(),
});

const Fields = {
  openAt: Type.Optional(NullableTimestamp),
  closeAt: Type.Optional(NullableTimestamp),
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: "IANA zone; default UTC" })),
};
export const CreateExperienceBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), ...Fields },
  { additionalProperties: false },
);
export const UpdateExperienceBody = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...Fields },
  { additionalProperties: false, minProperties: 1 },
);
export const ExperienceListQuery = Type.Object(PageQuery, { additionalProperties: false });
export const ExperiencePage = Page(ExperienceView);
export const DeletedExperience = Deleted("experience");
