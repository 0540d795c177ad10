-- AlterTable
ALTER TABLE "BoardEntry" ADD COLUMN     "interventions" TEXT,
ADD COLUMN     "reasonCode" TEXT NOT NULL DEFAULT 'other',
ADD COLUMN     "reasonText" TEXT,
ADD COLUMN     "removalNote" TEXT;

-- CreateTable
CREATE TABLE "BoardTeam" (
    "teamId" TEXT NOT NULL,
    "tenantId" TEXT,
    "teamName" TEXT,
    "channelConversationId" TEXT,
    "channelSetAt" TIMESTAMP(3),
    "channelSetByMemberId" TEXT,
    "dailyTime" TEXT NOT NULL DEFAULT '08:30',
    "dailyEnabled" BOOLEAN NOT NULL DEFAULT true,
    "askAfterDays" INTEGER NOT NULL DEFAULT 14,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BoardTeam_pkey" PRIMARY KEY ("teamId")
);

