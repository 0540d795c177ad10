-- AlterTable
ALTER TABLE "BoardEntry" ADD COLUMN "currentGroupId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "BoardEntry_currentGroupId_key" ON "BoardEntry"("currentGroupId");

-- Existing current entries: the group's newest current entry gets currentGroupId (at most one per group).
UPDATE "BoardEntry" SET "currentGroupId" = "groupId"
WHERE "removedAt" IS NULL
  AND NOT EXISTS (
    SELECT 1 FROM "BoardEntry" AS "later"
    WHERE "later"."groupId" = "BoardEntry"."groupId" AND "later"."removedAt" IS NULL
      AND ("later"."placedAt" > "BoardEntry"."placedAt" OR ("later"."placedAt" = "BoardEntry"."placedAt" AND "later"."id" > "BoardEntry"."id"))
  );
