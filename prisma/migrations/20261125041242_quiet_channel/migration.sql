-- AlterTable
ALTER TABLE "GoalUpdate" ADD COLUMN "subGoalId" TEXT;

-- AlterTable
ALTER TABLE "AuditEvent" ADD COLUMN "trigger" TEXT;

-- CreateTable
CREATE TABLE "ChannelPost" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "groupId" TEXT NOT NULL,
    "entityType" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,
    "conversationId" TEXT NOT NULL,
    "activityId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ChannelPost_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ChannelPost_groupId_idx" ON "ChannelPost"("groupId");

-- CreateIndex
CREATE UNIQUE INDEX "ChannelPost_entityType_entityId_key" ON "ChannelPost"("entityType", "entityId");

